import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as der from '../../../src/x509/der/writer.js';
import { timeLength, writeTime } from '../../../src/issuance/template/time-writer.js';

const written = (ms: number): Uint8Array => {
  const buf = new Uint8Array(17);
  return buf.subarray(0, writeTime(buf, 0, ms));
};

describe('writeTime (RFC 5280 4.1.2.5)', () => {
  it('matches the DER writer at the UTCTime/GeneralizedTime boundaries and the extremes', () => {
    for (const iso of [
      '1949-12-31T23:59:59Z',
      '1950-01-01T00:00:00Z',
      '1999-12-31T23:59:59Z',
      '2000-02-29T12:00:00Z',
      '2049-12-31T23:59:59Z',
      '2050-01-01T00:00:00Z',
      '2100-03-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '1970-01-01T00:00:00Z',
      '1969-12-31T23:59:59Z',
    ]) {
      const ms = Date.parse(iso);
      expect(written(ms), iso).toEqual(der.time(new Date(ms)));
      expect(timeLength(ms), iso).toBe(written(ms).length);
    }
    const first = new Date(0);
    first.setUTCFullYear(0, 0, 1);
    expect(Buffer.from(written(first.getTime())).toString('latin1')).toBe('\x18\x0f00000101000000Z');
  });

  it('matches the DER writer on random whole-second times in years 0000..9999', () => {
    const min = new Date(0);
    min.setUTCFullYear(0, 0, 1);
    fc.assert(
      fc.property(fc.integer({ min: min.getTime() / 1000, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 }), (s) => {
        const ms = s * 1000;
        expect(written(ms)).toEqual(der.time(new Date(ms)));
        expect(timeLength(ms)).toBe(written(ms).length);
      }),
      { numRuns: 5000 },
    );
  });
});
