import { DerCursor } from '../der/cursor.js';
import { readOid } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { OID } from '../oids.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop } from './decode-value.js';
import type { PolicyMapping } from './types.js';

const NAME = 'policyMappings';

/**
 * Decodes `PolicyMappings ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { issuerDomainPolicy CertPolicyId,
 * subjectDomainPolicy CertPolicyId }` (RFC 5280 4.2.1.5).
 *
 * anyPolicy on either side is decoded, not refused: the value is well-formed, and RFC 5280 6.1.4 (a)
 * makes "anyPolicy appears in a mapping" a path-validation failure, which the validator reports as
 * a reason rather than as malformed input. The encoder refuses it, so Keyline never issues one.
 */
export function decodePolicyMappings(value: Uint8Array): PolicyMapping[] {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'PolicyMappings');
    const c = DerCursor.inside(buf, top, NAME);
    const mappings: PolicyMapping[] = [];
    while (!c.done) {
      const m = DerCursor.inside(buf, c.expect(Tag.SEQUENCE, 'mapping'), 'policy mapping');
      const issuerDomainPolicy = readOid(buf, m.expect(Tag.OID, 'issuerDomainPolicy'));
      const subjectDomainPolicy = readOid(buf, m.expect(Tag.OID, 'subjectDomainPolicy'));
      m.finish();
      mappings.push({ issuerDomainPolicy, subjectDomainPolicy });
    }
    if (mappings.length === 0) badExtension(NAME, 'is empty; it is SIZE (1..MAX)');
    return mappings;
  });
}

/** True when a mapping names anyPolicy on either side (RFC 5280 4.2.1.5 forbids it). */
export function mappingUsesAnyPolicy(m: PolicyMapping): boolean {
  return m.issuerDomainPolicy === OID.anyPolicy || m.subjectDomainPolicy === OID.anyPolicy;
}

/** DER of PolicyMappings: at least one mapping, never anyPolicy (RFC 5280 4.2.1.5). */
export function encodePolicyMappings(mappings: readonly PolicyMapping[]): Uint8Array {
  if (mappings.length === 0) cannotEncode(NAME, 'needs at least one mapping');
  return der.seq(
    ...mappings.map((m) => {
      if (mappingUsesAnyPolicy(m)) cannotEncode(NAME, 'policies MUST NOT be mapped to or from anyPolicy');
      return der.seq(der.oid(m.issuerDomainPolicy), der.oid(m.subjectDomainPolicy));
    }),
  );
}
