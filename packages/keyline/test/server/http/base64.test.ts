import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../support/error-code.js';
import { decodeBase64Body, decodeBase64Path } from '../../../src/server/http/base64.js';
import { csrFromBytes } from '../../../src/server/http/csr-body.js';
import { normaliseSerial } from '../../../src/server/http/serial.js';

describe('EST base64 bodies (RFC 7030 4.2.1, RFC 8951 3)', () => {
  it('decodes with line breaks and without', () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    const b64 = Buffer.from(bytes).toString('base64');
    expect(decodeBase64Body(b64, 'x')).toEqual(bytes);
    expect(decodeBase64Body(b64.replace(/.{16}/g, '$&\r\n'), 'x')).toEqual(bytes);
  });

  it.each(['', '   ', 'abc!', 'a===', 'abcde', '=abc', 'ab=c', 'abc==='])('refuses %j', (text) => {
    expect(codeOf(() => decodeBase64Body(text, 'x'))).toBe('ERR_SERVER_BAD_BASE64');
  });

  it('round-trips any bytes and never throws anything but a KeylineError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        if (bytes.length > 0) expect(decodeBase64Body(Buffer.from(bytes).toString('base64'), 'x')).toEqual(bytes);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const code = codeOf(() => decodeBase64Body(text, 'x'));
        expect(code === undefined || code === 'ERR_SERVER_BAD_BASE64').toBe(true);
      }),
    );
  });
});

describe('OCSP GET paths (RFC 6960 A.1)', () => {
  const bytes = Uint8Array.of(0xfb, 0xff, 0xfe, 0x01, 0x02);
  it('accepts URL-encoded base64, base64url, with or without padding', () => {
    expect(decodeBase64Path(encodeURIComponent(Buffer.from(bytes).toString('base64')), 'x')).toEqual(bytes);
    expect(decodeBase64Path(Buffer.from(bytes).toString('base64url'), 'x')).toEqual(bytes);
    expect(decodeBase64Path(Buffer.from(bytes).toString('base64').replace(/=+$/, ''), 'x')).toEqual(bytes);
  });

  it('refuses bad percent-encoding and characters outside the alphabets', () => {
    expect(codeOf(() => decodeBase64Path('%E0%A4%A', 'x'))).toBe('ERR_SERVER_BAD_BASE64');
    expect(codeOf(() => decodeBase64Path('ab.c', 'x'))).toBe('ERR_SERVER_BAD_BASE64');
  });
});

describe('CSR bodies of the API', () => {
  it('refuses an empty body and garbage with codes, never raw errors', () => {
    expect(codeOf(() => csrFromBytes(new Uint8Array(0)))).toBe('ERR_SERVER_BAD_REQUEST');
    expect(codeOf(() => csrFromBytes(Uint8Array.of(0x30, 0x82, 0xff, 0xff, 0)))).toMatch(/^ERR_DER_/);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        expect(codeOf(() => csrFromBytes(bytes))).toMatch(/^ERR_/);
      }),
    );
  });
});

describe('serials in URLs', () => {
  it.each([
    ['0A:1B:2C', '0a1b2c'],
    ['0x00ff', 'ff'],
    ['ABC', '0abc'],
    ['00', '00'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseSerial(input)).toBe(expected);
  });

  it('refuses what is not hex', () => {
    expect(codeOf(() => normaliseSerial('12g4'))).toBe('ERR_SERVER_BAD_REQUEST');
    expect(codeOf(() => normaliseSerial('f'.repeat(100)))).toBe('ERR_SERVER_BAD_REQUEST');
  });
});
