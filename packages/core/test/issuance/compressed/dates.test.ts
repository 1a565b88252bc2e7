import { describe, expect, it } from 'vitest';
import { isKeylineError } from '../../../src/errors/keyline-error.js';
import { decodeCompressedDates, encodeCompressedDates } from '../../../src/issuance/compressed/dates.js';
import { NO_EXPIRATION } from '../../../src/x509/der/time.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isKeylineError(error) ? error.code : String(error);
  }
  return 'no error';
}

describe('compressed date field', () => {
  it('packs year/month/day/hour and expire years into 4 octets', () => {
    const field = encodeCompressedDates(new Date('2026-11-25T12:00:00Z'), new Date('2031-11-25T12:00:00Z'));
    // 26 << 25 | 11 << 21 | 25 << 16 | 12 << 11 | 5 << 6
    expect(Buffer.from(field).toString('hex')).toBe(
      ((26 << 25) | (11 << 21) | (25 << 16) | (12 << 11) | (5 << 6)).toString(16).padStart(8, '0'),
    );
    const back = decodeCompressedDates(field);
    expect(back.notBefore.toISOString()).toBe('2026-11-25T12:00:00.000Z');
    expect(back.notAfter.toISOString()).toBe('2031-11-25T12:00:00.000Z');
    expect(back.expireYears).toBe(5);
  });

  it('stores no expiration as 0 years', () => {
    const field = encodeCompressedDates(new Date('2127-12-31T23:00:00Z'), undefined);
    const back = decodeCompressedDates(field);
    expect(back.notAfter.getTime()).toBe(NO_EXPIRATION.getTime());
    expect(back.notBefore.toISOString()).toBe('2127-12-31T23:00:00.000Z');
    expect(
      decodeCompressedDates(encodeCompressedDates(new Date('2000-01-01T00:00:00Z'), NO_EXPIRATION)).expireYears,
    ).toBe(0);
  });

  it('follows addYears from 29 February', () => {
    const from = new Date('2028-02-29T05:00:00Z');
    const to = new Date('2029-03-01T05:00:00Z'); // setUTCFullYear rolls 29 Feb 2029 over
    expect(decodeCompressedDates(encodeCompressedDates(from, to)).notAfter.toISOString()).toBe(to.toISOString());
    expect(code(() => encodeCompressedDates(from, new Date('2029-02-28T05:00:00Z')))).toBe(
      'ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE',
    );
  });

  it('refuses what the field cannot hold', () => {
    const refuse = (a: string, b?: string) =>
      code(() => encodeCompressedDates(new Date(a), b === undefined ? undefined : new Date(b)));
    expect(refuse('2026-11-25T12:30:00Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('2026-11-25T12:00:01Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('1999-12-31T23:00:00Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('2128-01-01T00:00:00Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('2026-11-25T12:00:00Z', '2026-11-25T12:00:00Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('2026-11-25T12:00:00Z', '2058-11-25T12:00:00Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('2026-11-25T12:00:00Z', '2027-11-25T13:00:00Z')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
    expect(refuse('2026-11-25T12:00:00Z', 'nonsense')).toBe('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE');
  });
});
