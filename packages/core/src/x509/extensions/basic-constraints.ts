import { DerCursor } from '../der/cursor.js';
import { readBoolean, readSmallInteger } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, checkCount, decodeExtensionValue, expectTop } from './decode-value.js';
import type { BasicConstraints } from './types.js';

const NAME = 'basicConstraints';

/**
 * Decodes `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER
 * (0..MAX) OPTIONAL }` (RFC 5280 4.2.1.9). An explicit cA FALSE is refused: DER omits a value equal
 * to its DEFAULT (X.690 11.5). A pathLen without cA is decoded as is; RFC 5280 lets only CAs carry
 * it, which the profile and path checks judge. pathLen above 2^31-1 is refused.
 */
export function decodeBasicConstraints(value: Uint8Array): BasicConstraints {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'BasicConstraints');
    const c = DerCursor.inside(buf, top, NAME);
    const caTlv = c.optional(Tag.BOOLEAN);
    const ca = caTlv !== undefined && readBoolean(buf, caTlv);
    if (caTlv !== undefined && !ca) badExtension(NAME, 'cA is encoded as FALSE, its DEFAULT; DER omits it');
    const pathTlv = c.optional(Tag.INTEGER);
    c.finish();
    return pathTlv === undefined ? { ca } : { ca, pathLen: readSmallInteger(buf, pathTlv) };
  });
}

/**
 * DER of BasicConstraints. Refuses a pathLen on a non-CA (RFC 5280 4.2.1.9: "CAs MUST NOT include
 * the pathLenConstraint field unless the cA boolean is asserted").
 */
export function encodeBasicConstraints(bc: BasicConstraints): Uint8Array {
  const parts: Uint8Array[] = [];
  if (bc.ca) parts.push(der.bool(true));
  if (bc.pathLen !== undefined) {
    if (!bc.ca) cannotEncode(NAME, 'pathLen is only allowed when cA is TRUE');
    checkCount(bc.pathLen, NAME, 'pathLen');
    parts.push(der.int(bc.pathLen));
  }
  return der.seq(...parts);
}
