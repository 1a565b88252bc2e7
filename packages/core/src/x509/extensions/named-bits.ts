import { bitStringFromContent } from '../der/primitives.js';
import { badExtension, cannotEncode } from './decode-value.js';

/**
 * Reads a named-bit BIT STRING's content into the set of names of its asserted bits. DER rules for
 * named bit lists (X.690 11.2.2): no trailing zero bits, so the last bit present must be set.
 * Bits past the last defined name are refused, as nothing could act on them.
 */
export function namedBitsFromContent<N extends string>(
  content: Uint8Array,
  names: readonly N[],
  extension: string,
): Set<N> {
  const { unusedBits, bytes } = bitStringFromContent(content);
  const out = new Set<N>();
  if (bytes.length === 0) return out;
  const last = bytes[bytes.length - 1]!;
  if ((last & (1 << unusedBits)) === 0)
    badExtension(extension, 'named bit string has trailing zero bits; DER removes them');
  const bitCount = bytes.length * 8 - unusedBits;
  if (bitCount > names.length)
    badExtension(extension, `bit ${bitCount - 1} is set; only ${names.length} bits are defined`);
  for (let bit = 0; bit < bitCount; bit++) {
    if ((bytes[bit >> 3]! & (0x80 >> (bit & 7))) !== 0) out.add(names[bit]!);
  }
  return out;
}

/** The bit numbers of `set` within `names`, refusing names that are not there. */
export function bitNumbersOf<N extends string>(set: ReadonlySet<N>, names: readonly N[], extension: string): number[] {
  const bits: number[] = [];
  for (const name of set) {
    const bit = names.indexOf(name);
    if (bit < 0) cannotEncode(extension, `unknown bit name "${String(name)}"`);
    bits.push(bit);
  }
  return bits;
}
