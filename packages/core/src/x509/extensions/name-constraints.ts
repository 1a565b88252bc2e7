import { DerCursor } from '../der/cursor.js';
import { Tag } from '../der/tags.js';
import type { Tlv } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop, readImplicitCount } from './decode-value.js';
import { encodeGeneralName, readGeneralName } from './general-name.js';
import type { GeneralSubtree, NameConstraints } from './types.js';

const NAME = 'nameConstraints';
const PERMITTED = 0xa0; // [0] IMPLICIT GeneralSubtrees
const EXCLUDED = 0xa1; // [1] IMPLICIT GeneralSubtrees
const MINIMUM = 0x80; // [0] IMPLICIT BaseDistance DEFAULT 0
const MAXIMUM = 0x81; // [1] IMPLICIT BaseDistance OPTIONAL

function readSubtrees(buf: Uint8Array, tlv: Tlv, which: string): GeneralSubtree[] {
  const c = DerCursor.inside(buf, tlv, which);
  const subtrees: GeneralSubtree[] = [];
  while (!c.done) {
    const subtreeTlv = c.next();
    if (subtreeTlv.tag !== Tag.SEQUENCE) badExtension(NAME, `${which}: GeneralSubtree must be a SEQUENCE`);
    const s = DerCursor.inside(buf, subtreeTlv, 'GeneralSubtree');
    const base = readGeneralName(buf, s.next());
    const minTlv = s.optional(MINIMUM);
    const maxTlv = s.optional(MAXIMUM);
    s.finish();
    const minimum = minTlv === undefined ? 0 : readImplicitCount(buf, minTlv, NAME, 'minimum');
    if (minTlv !== undefined && minimum === 0) badExtension(NAME, 'minimum is encoded as 0, its DEFAULT; DER omits it');
    subtrees.push(
      maxTlv === undefined
        ? { base, minimum }
        : { base, minimum, maximum: readImplicitCount(buf, maxTlv, NAME, 'maximum') },
    );
  }
  if (subtrees.length === 0) badExtension(NAME, `${which} is empty; GeneralSubtrees is SIZE (1..MAX)`);
  return subtrees;
}

/**
 * Decodes `NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL,
 * excludedSubtrees [1] GeneralSubtrees OPTIONAL }` with `GeneralSubtree ::= SEQUENCE { base
 * GeneralName, minimum [0] BaseDistance DEFAULT 0, maximum [1] BaseDistance OPTIONAL }` (RFC 5280
 * 4.2.1.10). At least one of the two lists must be present (an empty sequence is forbidden), each
 * non-empty. A minimum other than 0 or a maximum is decoded as is: RFC 5280 forbids them in its
 * profile, and the path validator refuses them. Bases of every GeneralName form are decoded; which
 * forms a validator can compare (x400Address, ediPartyName and unknown otherNames cannot be) is its
 * call, as is the 8/32-octet rule for iPAddress.
 */
export function decodeNameConstraints(value: Uint8Array): NameConstraints {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'NameConstraints');
    const c = DerCursor.inside(buf, top, NAME);
    const permittedTlv = c.optional(PERMITTED);
    const excludedTlv = c.optional(EXCLUDED);
    c.finish();
    if (permittedTlv === undefined && excludedTlv === undefined) {
      badExtension(NAME, 'is an empty sequence; RFC 5280 4.2.1.10 requires permitted or excluded subtrees');
    }
    const out: { permitted?: GeneralSubtree[]; excluded?: GeneralSubtree[] } = {};
    if (permittedTlv !== undefined) out.permitted = readSubtrees(buf, permittedTlv, 'permittedSubtrees');
    if (excludedTlv !== undefined) out.excluded = readSubtrees(buf, excludedTlv, 'excludedSubtrees');
    return out;
  });
}

function encodeSubtrees(subtrees: readonly GeneralSubtree[], tag: number, which: string): Uint8Array {
  if (subtrees.length === 0) cannotEncode(NAME, `${which} must hold at least one subtree`);
  return der.tlv(
    tag,
    der.concat(
      subtrees.map((s) => {
        // RFC 5280 4.2.1.10: "the minimum MUST be zero, and maximum MUST be absent".
        if (s.minimum !== 0 || s.maximum !== undefined) {
          cannotEncode(NAME, 'RFC 5280 requires minimum 0 and no maximum in GeneralSubtree');
        }
        return der.seq(encodeGeneralName(s.base));
      }),
    ),
  );
}

/**
 * DER of NameConstraints. Refuses an empty value, empty lists, and subtrees with a non-zero minimum
 * or a maximum (RFC 5280 4.2.1.10). iPAddress bases should carry address and mask (8 or 32 octets).
 */
export function encodeNameConstraints(nc: NameConstraints): Uint8Array {
  if (nc.permitted === undefined && nc.excluded === undefined)
    cannotEncode(NAME, 'needs permitted or excluded subtrees');
  const parts: Uint8Array[] = [];
  if (nc.permitted !== undefined) parts.push(encodeSubtrees(nc.permitted, PERMITTED, 'permittedSubtrees'));
  if (nc.excluded !== undefined) parts.push(encodeSubtrees(nc.excluded, EXCLUDED, 'excludedSubtrees'));
  return der.seq(...parts);
}
