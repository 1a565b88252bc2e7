import { fail } from '../../errors/keyline-error.js';
import { addYears } from '../../policy/lint/helpers.js';
import { NO_EXPIRATION } from '../../x509/der/time.js';

/** Issue years are stored as an offset from 2000 in 7 bits. */
const BASE_YEAR = 2000;
const MAX_YEAR_OFFSET = 127;
/** Validity lengths of 1..31 whole years fit the 5-bit field; 0 means no expiration. */
const MAX_EXPIRE_YEARS = 31;
const HOUR_MS = 3_600_000;

/** A validity period in the form compressed certificates store it. */
export interface CompressedValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** 0 for 99991231235959Z (IEEE 802.1AR "no well-defined expiration", KECP 4.4), else whole years. */
  readonly expireYears: number;
}

function notCompressible(message: string): never {
  return fail('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE', `compressed certificate dates: ${message}`);
}

/**
 * Encodes a validity into the 4-octet date field, big-endian:
 * year − 2000 (7 bits) ‖ month 1–12 (4) ‖ day 1–31 (5) ‖ hour 0–23 (5) ‖ expire years 0–31 (5) ‖ 0 (6).
 * notBefore must fall on a whole UTC hour (the factory chooses it) and notAfter must be notBefore
 * plus whole calendar years (`addYears`, as the device profile counts them) or the no-expiration
 * value. Refuses anything else with ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE.
 */
export function encodeCompressedDates(notBefore: Date, notAfter: Date | undefined): Uint8Array {
  const from = notBefore.getTime();
  if (!Number.isFinite(from)) notCompressible('notBefore is not a valid date');
  if (from % HOUR_MS !== 0) notCompressible('notBefore is not on a whole hour');
  const yearOffset = notBefore.getUTCFullYear() - BASE_YEAR;
  if (yearOffset < 0 || yearOffset > MAX_YEAR_OFFSET) notCompressible('notBefore is not within 2000-2127');

  let expireYears = 0;
  const to = notAfter === undefined ? NO_EXPIRATION.getTime() : notAfter.getTime();
  if (to !== NO_EXPIRATION.getTime()) {
    const years = notAfter!.getUTCFullYear() - notBefore.getUTCFullYear();
    if (years < 1 || years > MAX_EXPIRE_YEARS || addYears(notBefore, years).getTime() !== to) {
      notCompressible('notAfter is not 1-31 whole years after notBefore nor 99991231235959Z');
    }
    expireYears = years;
  }

  const word =
    ((yearOffset << 25) |
      ((notBefore.getUTCMonth() + 1) << 21) |
      (notBefore.getUTCDate() << 16) |
      (notBefore.getUTCHours() << 11) |
      (expireYears << 6)) >>>
    0;
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, word);
  return out;
}

/**
 * Decodes the 4-octet date field (see `encodeCompressedDates`). Refuses a month, day or hour that
 * does not exist and non-zero reserved bits with ERR_COMPRESSED_BAD_DATES.
 */
export function decodeCompressedDates(field: Uint8Array): CompressedValidity {
  if (field.length !== 4) fail('ERR_COMPRESSED_BAD_DATES', 'the date field has 4 octets');
  const word = new DataView(field.buffer, field.byteOffset, 4).getUint32(0);
  const year = BASE_YEAR + (word >>> 25);
  const month = (word >>> 21) & 0x0f;
  const day = (word >>> 16) & 0x1f;
  const hour = (word >>> 11) & 0x1f;
  const expireYears = (word >>> 6) & 0x1f;
  if ((word & 0x3f) !== 0) fail('ERR_COMPRESSED_BAD_DATES', 'reserved date bits are set');
  if (month < 1 || month > 12 || hour > 23) fail('ERR_COMPRESSED_BAD_DATES', 'month or hour out of range');
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) fail('ERR_COMPRESSED_BAD_DATES', 'day does not exist in its month');
  const notBefore = new Date(Date.UTC(year, month - 1, day, hour));
  const notAfter = expireYears === 0 ? new Date(NO_EXPIRATION.getTime()) : addYears(notBefore, expireYears);
  return { notBefore, notAfter, expireYears };
}
