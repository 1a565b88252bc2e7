import { isStrictlyWithinDomain, isWithinDomain, parseHostName, type Labels } from './dns.js';

/**
 * A uniformResourceIdentifier constraint (RFC 5280 4.2.1.10): "a fully qualified domain name" that
 * names one host (`host.example.com`, matching that host only), or, with a leading period, a domain
 * (`.example.com`, matching every host below it but not `example.com` itself).
 */
export type UriConstraint =
  { readonly kind: 'host'; readonly host: Labels } | { readonly kind: 'domain'; readonly domain: Labels };

/** Parses a URI constraint; undefined when malformed (not a host name, an empty string, a URI). */
export function parseUriConstraint(text: string): UriConstraint | undefined {
  if (text.startsWith('.')) {
    const domain = parseHostName(text.slice(1));
    return domain === undefined ? undefined : { kind: 'domain', domain };
  }
  const host = parseHostName(text);
  return host === undefined ? undefined : { kind: 'host', host };
}

/** The host of a URI as name constraints see it. */
export type UriHost =
  | { readonly kind: 'host'; readonly host: Labels }
  /** No authority (`urn:…`, `mailto:…`), an empty host (`file:///`), or an IP literal. */
  | { readonly kind: 'none'; readonly why: string }
  | { readonly kind: 'malformed'; readonly why: string };

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Extracts the host of a URI (RFC 3986 3.2.2): after `scheme://`, the authority up to the first
 * `/`, `?` or `#`, less any `userinfo@` and `:port`. RFC 5280 4.2.1.10 applies URI constraints to
 * "the host part of the name". A URI with no authority — RFC 9039's `urn:dev:…` device URNs among
 * them — has no host, and neither has an IP-literal host a DNS name: both are `none`, which the
 * state refuses under URI constraints (ERR_NC_URI_WITHOUT_HOST) rather than guess.
 */
export function uriHost(text: string): UriHost {
  const scheme = SCHEME.exec(text);
  if (scheme === null) return { kind: 'malformed', why: 'the URI has no scheme' };
  const rest = text.slice(scheme[0].length);
  if (!rest.startsWith('//')) return { kind: 'none', why: 'the URI has no authority (host) part' };
  const authorityEnd = rest.slice(2).search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest.slice(2) : rest.slice(2, 2 + authorityEnd);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPort.startsWith('[')) return { kind: 'none', why: 'the URI host is an IP literal' };
  const colon = hostPort.indexOf(':');
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  if (colon >= 0 && !/^[0-9]*$/.test(hostPort.slice(colon + 1)))
    return { kind: 'malformed', why: 'the URI port is not a number' };
  if (host.length === 0) return { kind: 'none', why: 'the URI host is empty' };
  if (/^[0-9.]+$/.test(host)) return { kind: 'none', why: 'the URI host is an IP address' };
  const labels = parseHostName(host);
  return labels === undefined
    ? { kind: 'malformed', why: 'the URI host is not a host name' }
    : { kind: 'host', host: labels };
}

/** Whether a URI host is within a URI subtree. */
export function uriHostWithin(host: Labels, constraint: UriConstraint): boolean {
  if (constraint.kind === 'domain') return isStrictlyWithinDomain(host, constraint.domain);
  return host.length === constraint.host.length && isWithinDomain(host, constraint.host);
}
