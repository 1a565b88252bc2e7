import { isStringTag } from '../../x509/der/strings.js';
import { prepareString } from '../../x509/name/compare.js';
import type { Name, NameAttribute, Rdn } from '../../x509/name/types.js';

/**
 * A distinguished name prepared for comparison: one key per RDN, each key the sorted, prepared
 * attributes of that RDN, so that two RDNs match exactly when their keys are equal (an RDN is a
 * SET: attribute order does not matter).
 */
export type ComparableName = readonly string[];

function attributeKey(attribute: NameAttribute): string {
  // The same comparison as name chaining (x509/name/compare.ts, RFC 5280 7.1 with RFC 4518): string
  // values after preparation whatever their string type (case-insensitive, insignificant white space
  // ignored); other values (kept as '#'+hex of their DER by readName) by their bytes.
  const value = isStringTag(attribute.tag) ? `s${prepareString(attribute.value)}` : `b${attribute.value.toLowerCase()}`;
  return `${attribute.type}\u0001${value}`;
}

function rdnKey(rdn: Rdn): string {
  return rdn.map(attributeKey).sort().join('\u0000');
}

/** Prepares a Name for repeated comparison. */
export function comparableName(name: Name): ComparableName {
  return name.rdns.map(rdnKey);
}

/**
 * Whether `name` is within the directoryName subtree `base` (RFC 5280 4.2.1.10): `base`'s RDNs are
 * the first RDNs of `name`, each equal under RFC 5280 7.1. An empty base holds every name.
 */
export function isWithinDirectoryName(name: ComparableName, base: ComparableName): boolean {
  if (base.length > name.length) return false;
  for (let i = 0; i < base.length; i++) if (name[i] !== base[i]) return false;
  return true;
}
