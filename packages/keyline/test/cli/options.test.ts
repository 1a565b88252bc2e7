import { describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import {
  parseCaRef,
  parseCommonName,
  parseCursor,
  parseDeviceId,
  parseInteger,
  parseManufacturerId,
  parseProductId,
  parseReason,
  parseRequestId,
  parseSerial,
} from '../../src/cli/options.js';

function badOption(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isKeylineError(error, 'ERR_CLI_BAD_OPTION')) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('CLI option values', () => {
  it('integers: whole numbers in range only', () => {
    expect(parseInteger('--n', '7', 1, 10)).toBe(7);
    for (const v of ['0', '11', '1.5', '1e1', '-1', ' 3', '', 'ten', '99999999999']) {
      expect(badOption(() => parseInteger('--n', v, 1, 10))).toContain('--n');
    }
  });

  it('serials: hex in any case, 0x and colons allowed, canonical lower-case without leading zero octets', () => {
    expect(parseSerial('0x00AB:CD')).toBe('abcd');
    expect(parseSerial('5')).toBe('05');
    expect(parseSerial('00')).toBe('00');
    expect(badOption(() => parseSerial('xyz'))).toContain('keyline cert list');
    expect(badOption(() => parseSerial('a'.repeat(41)))).toContain('serial');
    expect(badOption(() => parseSerial(''))).toContain('serial');
  });

  it('ids of manufacturers, products and devices follow KECP 6.1 and 6.4', () => {
    expect(parseManufacturerId('00a1b2')).toBe('00a1b2');
    expect(parseProductId('thermo-2')).toBe('thermo-2');
    for (const v of ['ACME', '-x', 'x-', 'a_b', 'a'.repeat(33), '']) {
      expect(badOption(() => parseManufacturerId(v))).toContain('KECP 6.4');
    }
    expect(badOption(() => parseProductId('Ü'))).toContain('--product-id');
    expect(parseDeviceId('0011AABB')).toBe('0011aabb');
    for (const v of ['0011aab', '001122', 'zz11aabb', 'ab'.repeat(33)])
      expect(badOption(() => parseDeviceId(v))).toContain('--device-id');
  });

  it('reasons: RFC 5280 names, case-insensitive; removeFromCRL and certificateHold refused', () => {
    expect(parseReason('keyCompromise')).toBe('keyCompromise');
    expect(parseReason('CESSATIONOFOPERATION')).toBe('cessationOfOperation');
    for (const v of ['removeFromCRL', 'certificateHold', 'stolen', '1'])
      expect(badOption(() => parseReason(v))).toContain('--reason');
  });

  it('request ids, CA references, names and cursors are bounded', () => {
    expect(parseRequestId('order-42/a')).toBe('order-42/a');
    expect(badOption(() => parseRequestId('has space'))).toContain('--request-id');
    expect(badOption(() => parseRequestId('x'.repeat(129)))).toContain('--request-id');
    expect(parseCaRef('ca_0a1b', '--ca')).toBe('ca_0a1b');
    expect(badOption(() => parseCaRef('a/b', '--ca'))).toContain('keyline ca list');
    expect(parseCommonName('Acme Root CA — 2026')).toBe('Acme Root CA — 2026');
    expect(badOption(() => parseCommonName(' '))).toContain('--name');
    expect(badOption(() => parseCommonName('x'.repeat(65)))).toContain('--name');
    expect(badOption(() => parseCommonName('a\nb'))).toContain('--name');
    expect(badOption(() => parseCursor('with space'))).toContain('--cursor');
    // Long hostile values are shown shortened.
    expect(badOption(() => parseManufacturerId('Z'.repeat(10_000))).length).toBeLessThan(200);
  });
});
