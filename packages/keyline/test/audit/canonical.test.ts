import { describe, expect, it } from 'vitest';
import { canonicalJson, toAuditJson } from '../../src/audit/index.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units (RFC 8785 3.2.3 example)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One",' +
        '"\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    ) as Record<string, string>;
    const names = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${names.map((name) => `${JSON.stringify(name)}:${JSON.stringify(input[name])}`).join(',')}}`;
    // The emoji is a surrogate pair starting D83D, which sorts before U+FB33 by code units.
    expect(canonicalJson(input)).toBe(expected);
  });

  it('serialises literals, numbers and strings as RFC 8785 3.2.2 (its example in section 3.2.3)', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],' +
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('nests objects and arrays without whitespace', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: {} })).toBe('{"a":{},"b":[1,{"c":null,"d":2}]}');
    expect(canonicalJson(-0)).toBe('0');
  });

  it.each([
    ['undefined', undefined],
    ['a bigint', 1n],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a function', () => 1],
    ['a Map', new Map()],
    ['a Date', new Date(0)],
  ])('refuses %s (not a JSON value) with a TypeError', (_name, value) => {
    expect(() => canonicalJson({ value })).toThrow(TypeError);
  });

  it('refuses nesting deeper than 32 and cycles with a TypeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    expect(() => toAuditJson(cyclic)).toThrow(TypeError);
  });
});

describe('toAuditJson', () => {
  it('turns bigints, bytes and Dates into strings the store gives back unchanged', () => {
    const value = toAuditJson({
      crlNumber: 2n ** 80n,
      der: new Uint8Array([0, 1, 0xfe]),
      buffer: Buffer.from('abc'),
      at: new Date(Date.UTC(2025, 4, 6, 7, 8, 9, 10)),
      gone: undefined,
      list: [1, undefined, -0],
    });
    expect(value).toEqual({
      crlNumber: '1208925819614629174706176',
      der: '0001fe',
      buffer: '616263',
      at: '2025-05-06T07:08:09.010Z',
      list: [1, null, 0],
    });
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
    expect(Object.is((value as { list: number[] }).list[2], 0)).toBe(true);
  });

  it('keeps a member named __proto__ as a member', () => {
    const value = toAuditJson(JSON.parse('{"__proto__":{"x":1}}')) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(canonicalJson(value)).toBe('{"__proto__":{"x":1}}');
  });

  it.each([
    ['a symbol', Symbol('s')],
    ['a class instance', new (class Thing {})()],
    ['an invalid Date', new Date(Number.NaN)],
    ['NaN', Number.NaN],
  ])('refuses %s with a TypeError', (_name, value) => {
    expect(() => toAuditJson({ value })).toThrow(TypeError);
  });
});
