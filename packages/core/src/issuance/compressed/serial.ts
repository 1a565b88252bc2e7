import { sha256 } from '../../crypto/hash.js';
import { fail } from '../../errors/keyline-error.js';
import * as der from '../../x509/der/writer.js';
import { encodeCompressedDates } from './dates.js';

/** Octets of a derived serial: 16, so 126 bits come from the hash (KECP 4.1 asks for at least 9 significant octets). */
export const DERIVED_SERIAL_LENGTH = 16;
/** Domain separation: this hash is used for nothing else. */
const SERIAL_LABEL = new TextEncoder().encode('keyline compressed device serial v1');

/**
 * The serial number of a compressible device certificate, derived rather than stored:
 * the first 16 octets of SHA-256("keyline compressed device serial v1" ‖ point ‖ date field),
 * with the top bit cleared (a positive INTEGER needs no sign octet, RFC 5280 4.1.2.2) and the next
 * bit set (so there are always 16 significant octets, ≥ 9 as KECP 4.1 asks). Unique as the key is,
 * and unpredictable before the key exists. `publicKey` is the 65-octet uncompressed P-256 point;
 * the dates must be compressible (ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE otherwise).
 */
export function deriveDeviceSerial(publicKey: Uint8Array, notBefore: Date, notAfter?: Date): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65 || publicKey[0] !== 0x04) {
    fail('ERR_COMPRESSED_BAD_INPUT', 'publicKey must be a 65-byte uncompressed P-256 point');
  }
  const dates = encodeCompressedDates(notBefore, notAfter);
  const serial = sha256(der.concat([SERIAL_LABEL, publicKey, dates])).slice(0, DERIVED_SERIAL_LENGTH);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}
