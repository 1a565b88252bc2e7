import { Tag } from '../der/tags.js';
import { contentOf } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop } from './decode-value.js';
import { bitNumbersOf, namedBitsFromContent } from './named-bits.js';
import { KEY_USAGE_NAMES, type KeyUsage, type KeyUsageName } from './types.js';

const NAME = 'keyUsage';

/**
 * Decodes `KeyUsage ::= BIT STRING { digitalSignature (0), … decipherOnly (8) }` (RFC 5280
 * 4.2.1.3) into the set of asserted usages. At least one bit must be set.
 */
export function decodeKeyUsage(value: Uint8Array): KeyUsage {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.BIT_STRING, NAME, 'KeyUsage');
    const set = namedBitsFromContent<KeyUsageName>(contentOf(buf, top), KEY_USAGE_NAMES, NAME);
    if (set.size === 0) badExtension(NAME, 'no bit is set; RFC 5280 4.2.1.3 requires at least one');
    return set;
  });
}

/** DER of KeyUsage, trailing zero bits removed. The set must not be empty. */
export function encodeKeyUsage(usage: KeyUsage): Uint8Array {
  if (usage.size === 0) cannotEncode(NAME, 'at least one key usage must be asserted');
  return der.namedBits(bitNumbersOf(usage, KEY_USAGE_NAMES, NAME));
}
