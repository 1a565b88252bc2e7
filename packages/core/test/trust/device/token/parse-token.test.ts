import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64url } from '../../../../src/trust/device/token/base64.js';
import { parseJsonObject } from '../../../../src/trust/device/token/json-object.js';

describe('strict base64', () => {
  it('decodes canonical unpadded base64url only', () => {
    expect(decodeBase64url('AQID')?.toString('hex')).toBe('010203');
    expect(decodeBase64url('AQI')?.toString('hex')).toBe('0102');
    expect(decodeBase64url('AQ')?.toString('hex')).toBe('01');
    expect(decodeBase64url('')?.length).toBe(0);
    for (const bad of ['AQ==', 'AR', 'AQJ', 'A', 'AQ+/', 'AQ I', 'AQ\n']) expect(decodeBase64url(bad)).toBeUndefined();
  });

  it('decodes canonical padded standard base64 only', () => {
    expect(decodeBase64('AQ==')?.toString('hex')).toBe('01');
    expect(decodeBase64('AQI=')?.toString('hex')).toBe('0102');
    expect(decodeBase64('+/+/')?.toString('hex')).toBe('fbffbf');
    for (const bad of ['AQ', 'AR==', 'AQJ=', '-_-_', 'AQ=A', 'A===', ' AQ=='])
      expect(decodeBase64(bad)).toBeUndefined();
  });
});

describe('parseJsonObject', () => {
  it('parses objects and refuses other JSON', () => {
    expect(parseJsonObject('{"a":1,"b":{"c":[1,{"d":2}]}}')).toEqual({ a: 1, b: { c: [1, { d: 2 }] } });
    for (const bad of ['[1]', '1', '"a"', 'null', '{', '{"a":1}}', "{'a':1}"])
      expect(parseJsonObject(bad)).toBe('json');
  });

  it('finds duplicate members at any depth, escaped or not', () => {
    expect(parseJsonObject('{"a":1,"a":2}')).toBe('duplicate');
    expect(parseJsonObject('{"a":1,"\\u0061":2}')).toBe('duplicate');
    expect(parseJsonObject('{"x":{"a":1,"a":2}}')).toBe('duplicate');
    expect(parseJsonObject('{"x":[{"a":1},{"a":2,"a":3}]}')).toBe('duplicate');
  });

  it('does not take values, strings with quotes or sibling objects for duplicates', () => {
    expect(parseJsonObject('{"a":"a","b":"a"}')).toEqual({ a: 'a', b: 'a' });
    expect(parseJsonObject('{"a":"x\\",\\"a\\":1","b":2}')).toEqual({ a: 'x","a":1', b: 2 });
    expect(parseJsonObject('{"x":{"a":1},"y":{"a":1}}')).toEqual({ x: { a: 1 }, y: { a: 1 } });
    expect(parseJsonObject('{"a\\\\":1,"a":2}')).toEqual({ 'a\\': 1, a: 2 });
    expect(parseJsonObject('{"l":["a","a"],"a":{}}')).toEqual({ l: ['a', 'a'], a: {} });
  });
});

describe('parseToken text decoding of header and payload', () => {
  const part = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');
  const header = part(JSON.stringify({ alg: 'ES256', typ: 'keyline-attestation+jwt', x5c: ['AQ=='] }));
  const signature = part(new Uint8Array(64));
  const claims = (aud: string): string => JSON.stringify({ iss: 'd', sub: 'd', aud, nonce: 'n', iat: 1 });

  it('reads ASCII and non-ASCII UTF-8 payloads alike', async () => {
    const { parseToken } = await import('../../../../src/trust/device/token/parse-token.js');
    for (const aud of ['https://verifier.example', 'https://vérifier.example/ü']) {
      const parsed = parseToken(`${header}.${part(claims(aud))}.${signature}`);
      expect('claims' in parsed && parsed.claims.aud).toBe(aud);
    }
  });

  it('refuses a payload that is not UTF-8, or starts with a byte order mark', async () => {
    const { parseToken } = await import('../../../../src/trust/device/token/parse-token.js');
    const latin1 = Buffer.from(claims('https://v\xe9rifier.example'), 'latin1');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(claims('a'))]);
    for (const payload of [latin1, bom]) {
      const parsed = parseToken(`${header}.${part(payload)}.${signature}`);
      expect('code' in parsed && parsed.code).toBe('ERR_ATTEST_BAD_JSON');
    }
  });
});

describe('decodeBase64urlInto', () => {
  it('decodes into the target exactly what decodeBase64url answers, and refuses the same texts', async () => {
    const { decodeBase64urlInto } = await import('../../../../src/trust/device/token/base64.js');
    const fc = (await import('fast-check')).default;
    const target = Buffer.alloc(64, 0xaa);
    const text = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64url')),
      fc.string({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const expected = decodeBase64url(t);
        const length = decodeBase64urlInto(t, target);
        if (expected === undefined) expect(length).toBeUndefined();
        else expect(target.subarray(0, length).equals(expected)).toBe(true);
      }),
      { numRuns: 1000 },
    );
    expect(decodeBase64urlInto('AQIDBA', Buffer.alloc(3))).toBeUndefined();
  });
});
