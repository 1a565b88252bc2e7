import type { GeneralName } from '../../x509/extensions/types.js';
import { PASS, refuse, type Check } from './outcome.js';

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:./s;
/** RFC 5322 3.2.3 atext, and the dot of dot-atom. */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/**
 * RFC 5280 4.2.1.6 syntax of the subjectAltName entries a validator compares: a dNSName in the
 * "preferred name syntax" of RFC 1034 3.5 as modified by RFC 1123 2.1 (letters, digits, hyphens;
 * labels of 1 to 63 characters, no leading or trailing hyphen; at most 253 characters; not " ");
 * the leftmost label may be the wildcard `*` that the web PKI uses (RFC 6125 6.4.3), which RFC 5280
 * leaves undefined; an rfc822Name that is a Mailbox (RFC 5321 4.1.2, one `@`, a dot-atom or quoted
 * local part and a host name); an iPAddress of 4 or 16 octets (8 and 32 are for name constraints
 * only); a uniformResourceIdentifier with a scheme (RFC 3986 4.3, "MUST NOT be a relative URI").
 * Other forms are not judged here.
 */
export function checkSubjectAltNames(names: readonly GeneralName[] | undefined): Check {
  for (const name of names ?? []) {
    const problem = problemOf(name);
    if (problem !== undefined) return refuse('ERR_PATH_BAD_SAN', problem);
  }
  return PASS;
}

function problemOf(name: GeneralName): string | undefined {
  switch (name.type) {
    case 'dns':
      return isDnsName(name.value, true)
        ? undefined
        : `dNSName "${printable(name.value)}" is not a host name (RFC 5280 4.2.1.6)`;
    case 'email':
      return isMailbox(name.value)
        ? undefined
        : `rfc822Name "${printable(name.value)}" is not a mailbox (RFC 5280 4.2.1.6)`;
    case 'ip':
      return name.value.length === 4 || name.value.length === 16
        ? undefined
        : `iPAddress of ${name.value.length} octets is not an IPv4 or IPv6 address (RFC 5280 4.2.1.6)`;
    case 'uri':
      return SCHEME.test(name.value) ? undefined : `URI "${printable(name.value)}" has no scheme (RFC 5280 4.2.1.6)`;
    default:
      return undefined;
  }
}

/** RFC 1034 3.5 / RFC 1123 2.1 host name; with `wildcard`, a leftmost `*` label is allowed. */
export function isDnsName(value: string, wildcard: boolean): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split('.');
  return labels.every((label, i) => LABEL.test(label) || (wildcard && i === 0 && label === '*' && labels.length > 2));
}

/** RFC 5321 4.1.2 Mailbox: Local-part "@" Domain, the domain a host name. */
export function isMailbox(value: string): boolean {
  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!isDnsName(domain, false)) return false;
  if (DOT_ATOM.test(local)) return true;
  // Quoted-string: printable ASCII, with `\` escaping any of it.
  return /^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/.test(local);
}

function printable(value: string): string {
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return shown.replace(/[^\x20-\x7e]/g, '?');
}
