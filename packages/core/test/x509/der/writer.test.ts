import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as der from '../../../src/x509/der/writer.js';
import { parseDer } from '../../../src/x509/der/validate.js';
import { integerFromContent, oidFromContent } from '../../../src/x509/der/primitives.js';
import { readTime } from '../../../src/x509/der/time.js';

describe('DER writer', () => {
  it('round-trips integers of any sign and size', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (value) => {
        const encoded = der.int(value);
        const top = parseDer(encoded);
        expect(integerFromContent(encoded.subarray(top.valueStart))).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips object identifiers', () => {
    const arc = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(arc, { maxLength: 8 }),
        (a, b, rest) => {
          const dotted = [a, b, ...rest].join('.');
          const encoded = der.oid(dotted);
          const top = parseDer(encoded);
          expect(oidFromContent(encoded.subarray(top.valueStart))).toBe(dotted);
        },
      ),
    );
  });

  it('encodes long lengths minimally', () => {
    for (const n of [0, 127, 128, 255, 256, 65535, 65536]) {
      const encoded = der.octets(new Uint8Array(n));
      expect(parseDer(encoded).end).toBe(encoded.length);
    }
  });

  it('writes UTCTime before 2050 and GeneralizedTime from 2050 (RFC 5280 4.1.2.5)', () => {
    expect(der.time(new Date('2049-12-31T23:59:59Z'))[0]).toBe(0x17);
    expect(der.time(new Date('2050-01-01T00:00:00Z'))[0]).toBe(0x18);
    const noExpiry = der.time(new Date('9999-12-31T23:59:59Z'));
    expect(Buffer.from(noExpiry.subarray(2)).toString()).toBe('99991231235959Z');
  });

  it('round-trips times', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (d) => {
          const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
          const encoded = der.time(whole);
          const top = parseDer(encoded);
          expect(readTime(encoded, top).getTime()).toBe(whole.getTime());
        },
      ),
    );
  });

  it('sorts SET OF members', () => {
    const set = der.setOf(der.int(3n), der.int(1n), der.int(2n));
    expect(Buffer.from(set).toString('hex')).toBe('3109020101020102020103');
  });

  it('drops trailing zero bits of named bit strings', () => {
    // digitalSignature (bit 0) only: one octet 0x80 with 7 unused bits.
    expect(Buffer.from(der.namedBits([0])).toString('hex')).toBe('03020780');
    // keyCertSign (5) + cRLSign (6): 0x06, 1 unused bit.
    expect(Buffer.from(der.namedBits([5, 6])).toString('hex')).toBe('03020106');
  });
});
