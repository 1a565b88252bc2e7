import { Tag } from '../../x509/der/tags.js';

const MS_PER_DAY = 86_400_000;

/**
 * Writes the DER Time for `ms` (whole seconds since the epoch, as `validityMillis` returns) at
 * `offset`, choosing UTCTime for 1950..2049 and GeneralizedTime otherwise (RFC 5280 4.1.2.5), and
 * returns the offset after it. Pure integer arithmetic, no Date object: the issuance hot path
 * writes two of these per certificate. Output equals `der.time(new Date(ms))`.
 */
export function writeTime(buf: Uint8Array, offset: number, ms: number): number {
  const days = Math.floor(ms / MS_PER_DAY);
  let secondsOfDay = (ms - days * MS_PER_DAY) / 1000;
  // Civil date from days since 1970-01-01 (the proleptic Gregorian algorithm of H. Hinnant,
  // "chrono-Compatible Low-Level Date Algorithms", days_from_civil inverse).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(secondsOfDay / 3600);
  secondsOfDay -= hour * 3600;
  const minute = Math.floor(secondsOfDay / 60);
  const second = secondsOfDay - minute * 60;

  if (year >= 1950 && year < 2050) {
    buf[offset++] = Tag.UTC_TIME;
    buf[offset++] = 13;
    offset = two(buf, offset, year % 100);
  } else {
    buf[offset++] = Tag.GENERALIZED_TIME;
    buf[offset++] = 15;
    offset = two(buf, offset, Math.floor(year / 100));
    offset = two(buf, offset, year % 100);
  }
  offset = two(buf, offset, month);
  offset = two(buf, offset, day);
  offset = two(buf, offset, hour);
  offset = two(buf, offset, minute);
  offset = two(buf, offset, second);
  buf[offset++] = 0x5a; // 'Z'
  return offset;
}

/** Encoded length (tag and length octets included) of the Time for `ms`. */
export function timeLength(ms: number): number {
  return ms >= UTC_FROM && ms < UTC_UNTIL ? 15 : 17;
}

const UTC_FROM = Date.UTC(1950, 0, 1);
const UTC_UNTIL = Date.UTC(2050, 0, 1);

function two(buf: Uint8Array, offset: number, n: number): number {
  buf[offset] = 0x30 + Math.floor(n / 10);
  buf[offset + 1] = 0x30 + (n % 10);
  return offset + 2;
}
