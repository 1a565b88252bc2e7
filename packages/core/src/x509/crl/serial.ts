import { fail } from '../../errors/keyline-error.js';
import { checkIntegerContent } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import type { Tlv } from '../der/tlv.js';

/**
 * Longest serial INTEGER content accepted in CRL entries and OCSP CertIDs. RFC 5280 4.1.2.2 asks
 * users to handle up to 20 octets and to be graceful with non-conforming issuers, so revocation data
 * accepts a little more than certificates do rather than refusing a whole CRL for one odd entry.
 */
export const MAX_REVOKED_SERIAL_OCTETS = 32;

/**
 * Reads a CertificateSerialNumber in revocation data and returns its unsigned magnitude (no leading
 * zero octets; zero is one 0x00 octet). Negative serials name no certificate Keyline can hold and
 * are refused (ERR_X509_BAD_SERIAL).
 */
export function readRevokedSerial(buf: Uint8Array, tlv: Tlv): Uint8Array {
  if (tlv.tag !== Tag.INTEGER) fail('ERR_DER_UNEXPECTED_TAG', 'serial number must be an INTEGER');
  const content = buf.subarray(tlv.valueStart, tlv.end);
  checkIntegerContent(content);
  if ((content[0]! & 0x80) !== 0) fail('ERR_X509_BAD_SERIAL', 'serial number is negative');
  if (content.length > MAX_REVOKED_SERIAL_OCTETS) fail('ERR_X509_BAD_SERIAL', 'serial number is too long');
  return content.length > 1 && content[0] === 0 ? content.subarray(1) : content;
}

/** Lower-case hex of a magnitude, the key Keyline uses for serials (same as Certificate.serialHex). */
export function serialHexOf(magnitude: Uint8Array): string {
  return Buffer.from(magnitude.buffer, magnitude.byteOffset, magnitude.byteLength).toString('hex');
}

/**
 * Normalises a serial given as hex text (any case, optional `0x` prefix, optional `:` separators),
 * magnitude octets or a bigint to the canonical key: lower-case, even length, no leading zero
 * octets, zero as `00`. Anything that is not a non-negative number is a TypeError (caller misuse).
 */
export function normalizeSerialHex(serial: string | Uint8Array | bigint): string {
  let hex: string;
  if (typeof serial === 'bigint') {
    if (serial < 0n) throw new TypeError('serial number must not be negative');
    hex = serial.toString(16);
  } else if (serial instanceof Uint8Array) {
    hex = serialHexOf(serial);
  } else if (typeof serial === 'string') {
    hex = serial.trim().replace(/^0x/i, '').replace(/:/g, '');
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw new TypeError(`serial "${serial}" is not hexadecimal`);
  } else {
    throw new TypeError('serial must be hex text, magnitude octets or a bigint');
  }
  hex = hex.toLowerCase().replace(/^0+/, '');
  if (hex.length === 0) return '00';
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/** The magnitude octets of a serial given in any of the forms `normalizeSerialHex` accepts. */
export function serialMagnitude(serial: string | Uint8Array | bigint): Uint8Array {
  return new Uint8Array(Buffer.from(normalizeSerialHex(serial), 'hex'));
}
