import { fail } from '../../errors/keyline-error.js';
import * as der from '../der/writer.js';

/** RFC 5280 4.1.2.2: a serial number is at most 20 octets of content, sign octet included. */
export const MAX_SERIAL_CONTENT_OCTETS = 20;

/**
 * The INTEGER content octets of a certificate serial number given as unsigned big-endian
 * magnitude octets: leading zero octets dropped, a 0x00 sign octet added when the top bit is set.
 * Refuses (ERR_X509_BUILD_INVALID) a zero serial and one whose content exceeds 20 octets
 * (RFC 5280 4.1.2.2 — serials are positive and at most 20 octets).
 */
export function serialContent(magnitude: Uint8Array): Uint8Array {
  if (!(magnitude instanceof Uint8Array)) throw new TypeError('serial must be a Uint8Array of magnitude octets');
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  if (start === magnitude.length)
    fail('ERR_X509_BUILD_INVALID', 'serial number is zero (RFC 5280 4.1.2.2 requires a positive integer)');
  const pad = (magnitude[start]! & 0x80) !== 0 ? 1 : 0;
  const length = magnitude.length - start + pad;
  if (length > MAX_SERIAL_CONTENT_OCTETS) {
    fail('ERR_X509_BUILD_INVALID', `serial number needs ${length} content octets; RFC 5280 4.1.2.2 allows at most 20`);
  }
  const out = new Uint8Array(length);
  out.set(magnitude.subarray(start), pad);
  return out;
}

/** Latest time a 4-digit GeneralizedTime can carry: 99991231235959Z (also 802.1AR's "no expiration"). */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
/** Earliest: year 0000, which GeneralizedTime can still spell in four digits. */
const MIN_TIME_MS = -62167219200000;

/**
 * A validity time as the builder encodes it: whole seconds (sub-second parts are dropped, since
 * RFC 5280 4.1.2.5 forbids fractional seconds), between years 0000 and 9999. Returns the truncated
 * epoch milliseconds.
 */
export function validityMillis(date: Date, field: string): number {
  if (!(date instanceof Date)) throw new TypeError(`${field} must be a Date`);
  const ms = date.getTime();
  if (Number.isNaN(ms)) fail('ERR_X509_BUILD_INVALID', `${field} is an invalid Date`);
  const whole = Math.floor(ms / 1000) * 1000;
  if (whole < MIN_TIME_MS || whole > MAX_TIME_MS)
    fail('ERR_X509_BUILD_INVALID', `${field} is outside years 0000..9999`);
  return whole;
}

/**
 * The DER Validity SEQUENCE (RFC 5280 4.1.2.5): UTCTime for years 1950..2049, GeneralizedTime
 * otherwise (so 99991231235959Z for "no expiration"). Refuses notBefore after notAfter.
 */
export function encodeValidity(notBefore: Date, notAfter: Date): Uint8Array {
  const from = validityMillis(notBefore, 'notBefore');
  const to = validityMillis(notAfter, 'notAfter');
  if (from > to) fail('ERR_X509_BUILD_INVALID', 'notBefore is after notAfter');
  return der.seq(der.time(new Date(from)), der.time(new Date(to)));
}
