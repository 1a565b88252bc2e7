import { fail } from '../../errors/keyline-error.js';
import { Tag } from './tags.js';
import type { Tlv } from './tlv.js';

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) fail('ERR_DER_BAD_TIME', `time "${text}" has a non-digit where a digit belongs`);
    value = value * 10 + c;
  }
  return value;
}

function checkedDate(text: string, y: number, mo: number, d: number, h: number, mi: number, s: number): Date {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59)
    fail('ERR_DER_BAD_TIME', `time "${text}" is out of range`);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC maps years 0..99 to 1900+; set the full year explicitly.
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCDate() !== d) fail('ERR_DER_BAD_TIME', `time "${text}" names a day the month does not have`);
  return date;
}

/** UTCTime as RFC 5280 4.1.2.5.1 requires: YYMMDDHHMMSSZ, years 50..99 are 19xx. */
export function utcTimeFromContent(content: Uint8Array): Date {
  const text = latin1(content);
  if (text.length !== 13 || text[12] !== 'Z') fail('ERR_DER_BAD_TIME', `UTCTime "${text}" is not YYMMDDHHMMSSZ`);
  const yy = digits(text, 0, 2);
  const year = yy >= 50 ? 1900 + yy : 2000 + yy;
  return checkedDate(
    text,
    year,
    digits(text, 2, 2),
    digits(text, 4, 2),
    digits(text, 6, 2),
    digits(text, 8, 2),
    digits(text, 10, 2),
  );
}

/** GeneralizedTime as RFC 5280 4.1.2.5.2 requires: YYYYMMDDHHMMSSZ, no fractional seconds. */
export function generalizedTimeFromContent(content: Uint8Array): Date {
  const text = latin1(content);
  if (text.length !== 15 || text[14] !== 'Z') {
    fail('ERR_DER_BAD_TIME', `GeneralizedTime "${text}" is not YYYYMMDDHHMMSSZ`);
  }
  return checkedDate(
    text,
    digits(text, 0, 4),
    digits(text, 4, 2),
    digits(text, 6, 2),
    digits(text, 8, 2),
    digits(text, 10, 2),
    digits(text, 12, 2),
  );
}

/** A Time CHOICE (UTCTime or GeneralizedTime). */
export function readTime(buf: Uint8Array, tlv: Tlv): Date {
  const content = buf.subarray(tlv.valueStart, tlv.end);
  if (tlv.tag === Tag.UTC_TIME) return utcTimeFromContent(content);
  if (tlv.tag === Tag.GENERALIZED_TIME) return generalizedTimeFromContent(content);
  return fail('ERR_DER_UNEXPECTED_TAG', 'Time must be UTCTime or GeneralizedTime');
}

/** A GeneralizedTime that may carry fractional seconds (OCSP and CRL extensions allow them). */
export function readGeneralizedTimeLenient(buf: Uint8Array, tlv: Tlv): Date {
  if (tlv.tag !== Tag.GENERALIZED_TIME) fail('ERR_DER_UNEXPECTED_TAG', 'expected GeneralizedTime');
  const text = latin1(buf.subarray(tlv.valueStart, tlv.end));
  const match = /^(\d{14})(\.\d*[1-9])?Z$/.exec(text);
  if (!match) fail('ERR_DER_BAD_TIME', `GeneralizedTime "${text}" is malformed`);
  const whole = generalizedTimeFromContent(new TextEncoder().encode(`${match[1]}Z`));
  if (match[2]) whole.setUTCMilliseconds(Math.floor(Number(`0${match[2]}`) * 1000));
  return whole;
}

function latin1(content: Uint8Array): string {
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('latin1');
}

/** The 802.1AR "no well-defined expiration" value, 99991231235959Z. */
export const NO_EXPIRATION = new Date(Date.UTC(9999, 11, 31, 23, 59, 59));
