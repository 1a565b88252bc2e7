import { DerCursor } from '../der/cursor.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import {
  badExtension,
  cannotEncode,
  checkCount,
  decodeExtensionValue,
  expectTop,
  readImplicitCount,
} from './decode-value.js';
import type { PolicyConstraints } from './types.js';

const NAME = 'policyConstraints';
const REQUIRE_EXPLICIT = 0x80; // [0] IMPLICIT SkipCerts
const INHIBIT_MAPPING = 0x81; // [1] IMPLICIT SkipCerts

/**
 * Decodes `PolicyConstraints ::= SEQUENCE { requireExplicitPolicy [0] SkipCerts OPTIONAL,
 * inhibitPolicyMapping [1] SkipCerts OPTIONAL }` (RFC 5280 4.2.1.11), SkipCerts being INTEGER
 * (0..MAX). An empty sequence is refused ("Conforming CAs MUST NOT issue certificates where policy
 * constraints is an empty sequence"). Values above 2^31-1 are refused.
 */
export function decodePolicyConstraints(value: Uint8Array): PolicyConstraints {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'PolicyConstraints');
    const c = DerCursor.inside(buf, top, NAME);
    const requireTlv = c.optional(REQUIRE_EXPLICIT);
    const inhibitTlv = c.optional(INHIBIT_MAPPING);
    c.finish();
    if (requireTlv === undefined && inhibitTlv === undefined) badExtension(NAME, 'is an empty sequence');
    const out: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number } = {};
    if (requireTlv !== undefined)
      out.requireExplicitPolicy = readImplicitCount(buf, requireTlv, NAME, 'requireExplicitPolicy');
    if (inhibitTlv !== undefined)
      out.inhibitPolicyMapping = readImplicitCount(buf, inhibitTlv, NAME, 'inhibitPolicyMapping');
    return out;
  });
}

/** DER of PolicyConstraints; at least one field. */
export function encodePolicyConstraints(pc: PolicyConstraints): Uint8Array {
  const parts: Uint8Array[] = [];
  if (pc.requireExplicitPolicy !== undefined) {
    checkCount(pc.requireExplicitPolicy, NAME, 'requireExplicitPolicy');
    parts.push(der.int(pc.requireExplicitPolicy, REQUIRE_EXPLICIT));
  }
  if (pc.inhibitPolicyMapping !== undefined) {
    checkCount(pc.inhibitPolicyMapping, NAME, 'inhibitPolicyMapping');
    parts.push(der.int(pc.inhibitPolicyMapping, INHIBIT_MAPPING));
  }
  if (parts.length === 0) cannotEncode(NAME, 'needs requireExplicitPolicy or inhibitPolicyMapping');
  return der.seq(...parts);
}
