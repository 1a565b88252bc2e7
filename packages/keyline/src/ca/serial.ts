import { fail, randomSerial, type RandomSource } from '@keyline/core';

/** A freshly allocated certificate serial number. */
export interface AllocatedSerial {
  /** Unsigned magnitude octets, as the certificate builders take them. */
  readonly bytes: Uint8Array;
  /** Lower-case hex of the magnitude: the store's key and `Certificate.serialHex`. */
  readonly hex: string;
}

/**
 * Step 1 of the issuance cycle: a serial of 128 bits from the injected random source (core's
 * `randomSerial`: 126 random bits, top bits 01 so the encoding is always 16 octets and positive).
 * RFC 5280 4.1.2.2 wants it unique per issuer; the store enforces that by constraint and the cycle
 * retries with a new serial on the (2^-126) collision. CA/B BR 7.1 asks for at least 64 random bits.
 */
export function allocateSerial(random: RandomSource): AllocatedSerial {
  const bytes = randomSerial(random);
  return { bytes, hex: Buffer.from(bytes).toString('hex') };
}

/**
 * A serial as an operator types it (hex, any case, optional `0x` prefix and `:` separators) in the
 * store's canonical form: lower-case, no leading zero octets. Malformed text is ERR_CA_BAD_INPUT.
 */
export function parseSerialInput(text: string): string {
  if (typeof text !== 'string') fail('ERR_CA_BAD_INPUT', 'the serial must be hexadecimal text');
  const hex = text.trim().replace(/^0x/i, '').replace(/:/g, '');
  if (!/^[0-9a-fA-F]{1,64}$/.test(hex)) fail('ERR_CA_BAD_INPUT', `serial "${text.slice(0, 80)}" is not hexadecimal`);
  const stripped = hex.toLowerCase().replace(/^0+/, '');
  if (stripped.length === 0) return '00';
  return stripped.length % 2 === 1 ? `0${stripped}` : stripped;
}
