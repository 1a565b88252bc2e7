/**
 * Host names as name constraints compare them: dNSName (RFC 5280 4.2.1.10), and the host parts of
 * rfc822Name and URI names. Comparison is on lower-cased ASCII labels; IDNs arrive as A-labels
 * (RFC 5280 7.2, 7.3), which the IA5String decoding already guarantees.
 */

/** A host name split into lower-cased labels, left to right. Empty for the empty constraint. */
export type Labels = readonly string[];

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Splits a host name into labels, or undefined when it is not a well-formed host name: empty labels
 * (so a leading, trailing or doubled dot), labels over 63 octets or with characters outside
 * letters, digits, hyphen and underscore (underscore appears in real service names), a total over
 * 253 octets. `*` is not allowed here; wildcard names are handled by `parseDnsName`.
 */
export function parseHostName(text: string): Labels | undefined {
  if (text.length === 0 || text.length > 253) return undefined;
  const labels = text.toLowerCase().split('.');
  for (const label of labels) if (!LABEL.test(label)) return undefined;
  return labels;
}

/** A dNSName from a certificate: its labels, and whether its leftmost label is the `*` wildcard. */
export interface DnsName {
  readonly labels: Labels;
  /** True for `*.rest`: the name stands for every single-label child of `rest` (`labels` is `rest`). */
  readonly wildcard: boolean;
}

/**
 * Parses a dNSName of a subjectAltName. A leftmost label of exactly `*` makes a wildcard name (as
 * Web PKI uses them); any other `*`, and any malformed host name (such as `.example.com`), is
 * refused (undefined): a malformed name is not within any permitted subtree, and cannot be shown to
 * be outside an excluded one.
 */
export function parseDnsName(text: string): DnsName | undefined {
  if (text.startsWith('*.')) {
    const rest = parseHostName(text.slice(2));
    return rest === undefined ? undefined : { labels: rest, wildcard: true };
  }
  const labels = parseHostName(text);
  return labels === undefined ? undefined : { labels, wildcard: false };
}

/**
 * Parses a dNSName constraint. RFC 5280 4.2.1.10: "DNS name restrictions are expressed as
 * host.example.com"; the leading-period form is defined only for URI and rfc822Name, so a dNSName
 * constraint that starts with a period (or holds `*`) is malformed — as x509-limbo's
 * `invalid-dnsname-leading-period` expects. The empty string is a valid constraint that matches
 * every host name (undefined is returned only for malformed input).
 */
export function parseDnsConstraint(text: string): Labels | undefined {
  if (text.length === 0) return [];
  return parseHostName(text);
}

/** True when `name` equals `base` or is below it: "adding zero or more labels to the left-hand side". */
export function isWithinDomain(name: Labels, base: Labels): boolean {
  if (base.length > name.length) return false;
  const offset = name.length - base.length;
  for (let i = 0; i < base.length; i++) if (name[offset + i] !== base[i]) return false;
  return true;
}

/** True when `name` is strictly below `base` (at least one more label). */
export function isStrictlyWithinDomain(name: Labels, base: Labels): boolean {
  return name.length > base.length && isWithinDomain(name, base);
}

/**
 * Whether every name a dNSName stands for is within the subtree `base` (a permitted subtree must
 * contain the whole name). A wildcard `*.rest` stands for the children of `rest`; they are all
 * within `base` when `rest` is, and not all of them otherwise (`*.example.com` is not within
 * `foo.example.com`, x509-limbo's `cve-2025-61727-nc-permits-variant`).
 */
export function dnsNameWithin(name: DnsName, base: Labels): boolean {
  return isWithinDomain(name.labels, base);
}

/**
 * Whether any name a dNSName stands for may be within the subtree `base` (excluded subtrees must
 * not touch the name). For a wildcard `*.rest` this is defensive, as x509-limbo's CVE-2025-61727
 * cases ask: the subtree is hit when `rest` is within it, or when it lies anywhere below `rest`
 * (`*.example.com` against excluded `bar.example.com`).
 */
export function dnsNameMayTouch(name: DnsName, base: Labels): boolean {
  if (isWithinDomain(name.labels, base)) return true;
  return name.wildcard && isStrictlyWithinDomain(base, name.labels);
}
