import { isStrictlyWithinDomain, isWithinDomain, parseHostName, type Labels } from './dns.js';

/** An rfc822Name as a mailbox: the local part kept exactly, the host as lower-cased labels. */
export interface Mailbox {
  readonly local: string;
  readonly host: Labels;
}

/**
 * An rfc822Name constraint, in one of the three forms of RFC 5280 4.2.1.10: a particular mailbox
 * (`user@host`), every mailbox on one host (`host`), or every mailbox on the hosts of a domain
 * (`.domain`, which does not include `domain` itself).
 */
export type EmailConstraint =
  | { readonly kind: 'mailbox'; readonly mailbox: Mailbox }
  | { readonly kind: 'host'; readonly host: Labels }
  | { readonly kind: 'domain'; readonly domain: Labels };

// RFC 5321 4.1.2 Dot-string: atoms of atext joined by single dots.
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
// RFC 5321 4.1.2 Quoted-string: qtextSMTP or quoted-pairSMTP between double quotes.
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;

function isLocalPart(local: string): boolean {
  if (local.length === 0 || local.length > 64) return false;
  if (local.startsWith('"')) return QUOTED.test(local);
  return local.split('.').every((atom) => ATOM.test(atom));
}

/**
 * Parses an RFC 5321 mailbox `local-part@host`, or undefined when malformed (no `@`, an `@` in an
 * unquoted local part such as `invalid@address@example.com`, a malformed host). The split is at
 * the last `@`, so a quoted local part may hold one. Address literals (`user@[192.0.2.1]`) are
 * refused: they have no host name to compare.
 */
export function parseMailbox(text: string): Mailbox | undefined {
  const at = text.lastIndexOf('@');
  if (at < 0) return undefined;
  const local = text.slice(0, at);
  const host = parseHostName(text.slice(at + 1));
  if (host === undefined || !isLocalPart(local)) return undefined;
  return { local, host };
}

/** Parses an rfc822Name constraint; undefined when it is malformed (`invalid@invalid@example.com`). */
export function parseEmailConstraint(text: string): EmailConstraint | undefined {
  if (text.includes('@')) {
    const mailbox = parseMailbox(text);
    return mailbox === undefined ? undefined : { kind: 'mailbox', mailbox };
  }
  if (text.startsWith('.')) {
    const domain = parseHostName(text.slice(1));
    return domain === undefined ? undefined : { kind: 'domain', domain };
  }
  const host = parseHostName(text);
  return host === undefined ? undefined : { kind: 'host', host };
}

function sameLabels(a: Labels, b: Labels): boolean {
  return a.length === b.length && isWithinDomain(a, b);
}

/**
 * Whether a mailbox is within an rfc822Name subtree. Hosts compare case-insensitively; the local
 * part compares exactly, character for character (RFC 5280 7.5: it is case-sensitive, and `*` in
 * it is a literal character, not a wildcard, as x509-limbo's literal-asterisk cases check).
 */
export function mailboxWithin(name: Mailbox, constraint: EmailConstraint): boolean {
  switch (constraint.kind) {
    case 'mailbox':
      return name.local === constraint.mailbox.local && sameLabels(name.host, constraint.mailbox.host);
    case 'host':
      return sameLabels(name.host, constraint.host);
    case 'domain':
      return isStrictlyWithinDomain(name.host, constraint.domain);
  }
}
