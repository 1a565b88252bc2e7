import { CURVES, OID, PROFILES, der } from '@keyline/core';
import type { EstProfile } from '../../options.js';

/**
 * The CsrAttrs (RFC 7030 4.5.2) EST answers for a profile: what a client should put in its CSR.
 *
 *   CsrAttrs ::= SEQUENCE SIZE (0..MAX) OF AttrOrOID
 *   AttrOrOID ::= CHOICE { oid OBJECT IDENTIFIER, attribute Attribute }
 *
 * - the signature algorithm the profile prefers (its first, ecdsa-with-SHA256), as an OID;
 * - the key type and curve, as the attribute { id-ecPublicKey, { <curve> } } (the form of RFC 7030
 *   4.5.2's own example);
 * - the subject attribute types the profile requires (KECP 6.1 for devices), as OIDs.
 */
export function csrAttrsFor(profile: EstProfile): Uint8Array {
  const rules = PROFILES[profile];
  const items: Uint8Array[] = [];
  const signature = rules.signatureAlgorithms[0];
  if (signature !== undefined) items.push(der.oid(signature));
  const curves = rules.curves.map((name) => der.oid(CURVES[name].oid));
  if (curves.length > 0) items.push(der.seq(der.oid(OID.ecPublicKey), der.setOf(...curves)));
  for (const type of rules.subject.required) items.push(der.oid(type));
  return der.seq(...items);
}
