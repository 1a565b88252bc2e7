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
