import type { RandomSource } from '../ports/random.js';

/** Octets of a Keyline serial number: 128 bits, of which 126 are random (CA/B BR 7.1 asks ≥ 64). */
export const SERIAL_OCTETS = 16;

/**
 * A fresh certificate serial number (RFC 5280 4.1.2.2) as unsigned magnitude octets: 16 octets from
 * the injected random source, with the top bit cleared (so the INTEGER needs no sign octet and stays
 * within 20 octets) and the next bit set (so it never shrinks below 16 octets or reaches zero).
 */
export function randomSerial(random: RandomSource): Uint8Array {
  const bytes = random.bytes(SERIAL_OCTETS);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes;
}
