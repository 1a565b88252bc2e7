import { describe, expect, it } from 'vitest';
import {
  deviceIdFromChipSerial,
  isDeviceId,
  isHardwareVersion,
  isManufacturerId,
  isProductId,
} from '../../src/policy/naming.js';

describe('device naming (KECP 6)', () => {
  it('accepts manufacturer and product ids of 1–32 lowercase letters, digits and inner hyphens', () => {
    for (const ok of ['acme', 'a', '9', 'acme-devices', 'x'.repeat(32), 'thermo-2']) {
      expect(isManufacturerId(ok)).toBe(true);
      expect(isProductId(ok)).toBe(true);
    }
    for (const bad of ['', 'ACME', '-acme', 'acme-', 'acme_devices', 'x'.repeat(33), 'acmé', 'a b']) {
      expect(isManufacturerId(bad)).toBe(false);
      expect(isProductId(bad)).toBe(false);
    }
  });

  it('accepts hardware versions of 1–32 of A-Z a-z 0-9 . _ + -', () => {
    for (const ok of ['1', 'rev-B', '2.1.0+hw3', 'A_1']) expect(isHardwareVersion(ok)).toBe(true);
    for (const bad of ['', 'rev B', 'v'.repeat(33), 'rev/1']) expect(isHardwareVersion(bad)).toBe(false);
  });

  it('makes the device id from the chip serial as lowercase hex, 4 to 32 octets', () => {
    expect(deviceIdFromChipSerial(Uint8Array.of(0x01, 0x23, 0xab, 0xcd, 0xef))).toBe('0123abcdef');
    expect(isDeviceId('0123abcdef')).toBe(true);
    for (const bad of ['0123ABCDEF', '012', '0123abcde', '01234567'.repeat(8) + '00', 'zz23abcd'])
      expect(isDeviceId(bad)).toBe(false);
    expect(() => deviceIdFromChipSerial(new Uint8Array(3))).toThrow(RangeError);
    expect(() => deviceIdFromChipSerial(new Uint8Array(33))).toThrow(RangeError);
  });
});
