import { readSmallInteger } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { checkCount, decodeExtensionValue, expectTop } from './decode-value.js';

const NAME = 'inhibitAnyPolicy';

/**
 * Decodes `InhibitAnyPolicy ::= SkipCerts ::= INTEGER (0..MAX)` (RFC 5280 4.2.1.14). Negative
 * values and values above 2^31-1 are refused.
 */
export function decodeInhibitAnyPolicy(value: Uint8Array): number {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.INTEGER, NAME, 'SkipCerts');
    return readSmallInteger(buf, top);
  });
}

/** DER of InhibitAnyPolicy. */
export function encodeInhibitAnyPolicy(skipCerts: number): Uint8Array {
  checkCount(skipCerts, NAME, 'skipCerts');
  return der.int(skipCerts);
}
