import { describe, expect, it } from 'vitest';
import { findDuplicateMember } from '@keyline/core';
import { parseJsonObject } from '../../../../src/trust/device/token/json-object.js';

describe('findDuplicateMember', () => {
  it('names the first member given twice, at any depth, after unescaping', () => {
    expect(findDuplicateMember('{"a":1,"b":2,"a":3}')).toBe('a');
    expect(findDuplicateMember('{"x":{"k":1,"k":2},"y":1,"y":2}')).toBe('k');
    expect(findDuplicateMember('[{"a":1},{"b":{"c":[{"d":1,"d":2}]}}]')).toBe('d');
    expect(findDuplicateMember('{"\\u0061":1,"a":2}')).toBe('a');
    expect(findDuplicateMember('{"a\\"":1,"a\\u0022":2}')).toBe('a"');
  });

  it('finds none where names repeat only across objects or as values', () => {
    expect(findDuplicateMember('{"a":{"a":{"a":1}},"b":"a"}')).toBeUndefined();
    expect(findDuplicateMember('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(findDuplicateMember('{"a":"\\\\","b":["a","a"]}')).toBeUndefined();
    expect(findDuplicateMember('{}')).toBeUndefined();
  });

  it('parseJsonObject refuses what it finds', () => {
    expect(parseJsonObject('{"alg":"ES256","alg":"none"}')).toBe('duplicate');
    expect(parseJsonObject('{"alg":"ES256"}')).toEqual({ alg: 'ES256' });
  });
});
