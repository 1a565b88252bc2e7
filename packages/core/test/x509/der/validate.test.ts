import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDer } from '../../../src/x509/der/validate.js';
import { isKeylineError } from '../../../src/errors/keyline-error.js';
import * as der from '../../../src/x509/der/writer.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    return error.code;
  }
}

describe('parseDer refuses what DER forbids (X.690 section 10)', () => {
  const cases: Array<[string, string, string]> = [
    ['trailing bytes after the element', '3003020101 00', 'ERR_DER_TRAILING_BYTES'],
    ['indefinite length', '3080020101 0000', 'ERR_DER_INDEFINITE_LENGTH'],
    ['non-minimal long-form length', '308103020101', 'ERR_DER_NON_MINIMAL_LENGTH'],
    ['length with a leading zero octet', '30820003020101', 'ERR_DER_NON_MINIMAL_LENGTH'],
    ['length running past the buffer', '3005020101', 'ERR_DER_LENGTH_TOO_LARGE'],
    ['a huge length', '3084ffffffff020101', 'ERR_DER_LENGTH_TOO_LARGE'],
    ['integer with a redundant leading zero', '3004 02020001', 'ERR_DER_NON_MINIMAL_INTEGER'],
    ['integer with a redundant leading 0xff', '3004 0202ff80', 'ERR_DER_NON_MINIMAL_INTEGER'],
    ['empty integer', '3002 0200', 'ERR_DER_EMPTY_INTEGER'],
    ['boolean that is neither 00 nor ff', '3003 010101', 'ERR_DER_BAD_BOOLEAN'],
    ['null with content', '3003 050100', 'ERR_DER_BAD_NULL'],
    ['bit string with 8 unused bits', '3004 03020800', 'ERR_DER_BAD_BIT_STRING'],
    ['bit string with non-zero padding', '3004 030201ff', 'ERR_DER_BAD_BIT_STRING'],
    ['constructed bit string (BER)', '3006 2304 03020000', 'ERR_DER_CONSTRUCTED_PRIMITIVE'],
    ['oid with a non-minimal arc', '3005 0603 2a8001', 'ERR_DER_BAD_OID'],
    ['oid ending mid-arc', '3004 06022a86', 'ERR_DER_BAD_OID'],
    ['oid arc at 2^64', '300d 060b 2a 82808080808080808000', 'ERR_DER_OID_ARC_TOO_LARGE'],
    ['high tag number form', '3003 1f0100', 'ERR_DER_HIGH_TAG_NUMBER'],
    ['truncated header', '30', 'ERR_DER_TRUNCATED'],
    ['empty input', '', 'ERR_DER_TRUNCATED'],
    ['UTCTime with a month 13', '300f 170d ' + Buffer.from('251301000000Z').toString('hex'), 'ERR_DER_BAD_TIME'],
    ['UTCTime with a zone offset', '3013 1711 ' + Buffer.from('2512010000+0100ab').toString('hex'), 'ERR_DER_BAD_TIME'],
    ['UTCTime with seconds missing', '300d 170b 323531323235303030305a', 'ERR_DER_BAD_TIME'],
    ['GeneralizedTime with a month 13', '3011 180f 3230323531333031303030303030 5a', 'ERR_DER_BAD_TIME'],
    ['PrintableString with an @', '3003 130140', 'ERR_DER_BAD_STRING'],
    ['UTF8String with invalid UTF-8', '3003 0c01ff', 'ERR_DER_BAD_STRING'],
  ];
  for (const [name, input, code] of cases) {
    it(`refuses ${name} with ${code}`, () => {
      expect(codeOf(() => parseDer(hex(input)))).toBe(code);
    });
  }

  it('refuses an OID hundreds of kilobytes long', () => {
    const body = new Uint8Array(300_000).fill(0x81);
    body[body.length - 1] = 0x01;
    const input = der.tlv(0x30, der.tlv(0x06, body));
    expect(codeOf(() => parseDer(input, { maxBytes: 1 << 20, maxDepth: 8, maxElements: 10 }))).toBe(
      'ERR_DER_OID_TOO_LONG',
    );
  });

  it('accepts a 128-bit arc right under 2.25 (X.667 UUID OIDs) and nowhere else', () => {
    const uuidOid = '2.25.947284676343922247703881128959199119';
    expect(parseDer(der.seq(der.oid(uuidOid))).end).toBeGreaterThan(0);
    expect(codeOf(() => parseDer(der.seq(der.oid('1.3.947284676343922247703881128959199119'))))).toBe(
      'ERR_DER_OID_ARC_TOO_LARGE',
    );
    expect(codeOf(() => parseDer(der.seq(der.oid(`2.25.${(1n << 128n).toString()}`))))).toBe(
      'ERR_DER_OID_ARC_TOO_LARGE',
    );
    expect(codeOf(() => parseDer(der.seq(der.oid(`${uuidOid}.${(1n << 64n).toString()}`))))).toBe(
      'ERR_DER_OID_ARC_TOO_LARGE',
    );
  });

  it('refuses nesting thousands deep without overflowing the stack', () => {
    let input: Uint8Array = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < 5000; i++) input = der.seq(input);
    expect(codeOf(() => parseDer(input, { maxBytes: 1 << 20, maxDepth: 32, maxElements: 100_000 }))).toBe(
      'ERR_DER_TOO_DEEP',
    );
  });

  it('refuses too many elements', () => {
    const input = der.seq(...Array.from({ length: 50 }, () => der.nul()));
    expect(codeOf(() => parseDer(input, { maxBytes: 1 << 20, maxDepth: 8, maxElements: 10 }))).toBe(
      'ERR_DER_TOO_MANY_ELEMENTS',
    );
  });

  it('refuses input over the size limit', () => {
    expect(codeOf(() => parseDer(new Uint8Array(100), { maxBytes: 50, maxDepth: 8, maxElements: 10 }))).toBe(
      'ERR_DER_TOO_LARGE',
    );
  });

  it('accepts well-formed DER', () => {
    const input = der.seq(der.int(5n), der.oid('1.2.840.10045.3.1.7'), der.utf8('hé'), der.bool(true), der.nul());
    const top = parseDer(input);
    expect(top.end).toBe(input.length);
  });
});

describe('parseDer on arbitrary bytes', () => {
  it('either accepts or throws a KeylineError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseDer(bytes);
        } catch (error) {
          expect(isKeylineError(error)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('survives every single-byte mutation of a valid encoding', () => {
    const valid = der.seq(
      der.int(123456789n),
      der.seq(der.oid('2.5.4.3'), der.utf8('device')),
      der.utcTime(new Date(0)),
    );
    fc.assert(
      fc.property(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const mutated = Uint8Array.from(valid);
        mutated[at] = value;
        try {
          parseDer(mutated);
        } catch (error) {
          expect(isKeylineError(error)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
