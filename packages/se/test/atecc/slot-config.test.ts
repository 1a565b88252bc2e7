import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConfigLocked, keyConfigOf, serialOf, slotConfigOf } from '../../src/atecc/config-zone.js';
import { buildConfigZone, PROVISIONING_LAYOUT, PROVISIONING_SLOTS } from '../../src/atecc/provisioning-config.js';
import {
  decodeKeyConfig,
  decodeSlotConfig,
  encodeKeyConfig,
  encodeSlotConfig,
  isPrivateKeySlot,
} from '../../src/atecc/slot-config.js';

describe('SlotConfig and KeyConfig', () => {
  it('round-trip every 16-bit value (KeyConfig bit 13 is reserved)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (value) => {
        expect(encodeSlotConfig(decodeSlotConfig(value))).toBe(value);
        expect(encodeKeyConfig(decodeKeyConfig(value))).toBe(value & ~0x2000);
      }),
    );
  });

  it('decode the bits the datasheet names', () => {
    // 0x2087: ReadKey 0b0111 (external sign, internal sign, ECDH), IsSecret, WriteConfig 0b0010 (GenKey).
    expect(decodeSlotConfig(0x2087)).toEqual({
      readKey: 7,
      noMac: false,
      limitedUse: false,
      encryptRead: false,
      isSecret: true,
      writeKey: 0,
      writeConfig: 2,
    });
    // 0x0033: Private, PubInfo, KeyType 4 (P-256), Lockable.
    expect(decodeKeyConfig(0x0033)).toMatchObject({ private: true, pubInfo: true, keyType: 4, lockable: true });
  });
});

describe('the provisioning configuration', () => {
  const serial = Uint8Array.of(0x01, 0x23, 1, 2, 3, 4, 5, 6, 0x01);
  const config = buildConfigZone(serial, 'ATECC608A');

  it('puts the serial number where the chip keeps it and leaves every lock open', () => {
    expect(serialOf(config)).toEqual(serial);
    expect([...config.subarray(0, 4)]).toEqual([0x01, 0x23, 1, 2]);
    expect([...config.subarray(4, 8)]).toEqual([0x00, 0x00, 0x60, 0x02]);
    expect([...config.subarray(8, 13)]).toEqual([3, 4, 5, 6, 0x01]);
    expect(isConfigLocked(config)).toBe(false);
    expect([config[86], config[87], config[88], config[89]]).toEqual([0x55, 0x55, 0xff, 0xff]);
  });

  it('makes private keys exactly in slots 0-4, and data everywhere else', () => {
    const keySlots = PROVISIONING_LAYOUT.filter((e) => isPrivateKeySlot(keyConfigOf(config, e.slot))).map(
      (e) => e.slot,
    );
    expect(keySlots).toEqual([0, 1, 2, 3, 4]);
    expect(PROVISIONING_LAYOUT.map((e) => e.slot)).toEqual([...Array(16).keys()]);
  });

  it('fixes the identity key at data lock and lets the operational key be made again', () => {
    expect(slotConfigOf(config, PROVISIONING_SLOTS.identityKey).writeConfig & 0x2).toBe(0);
    expect(slotConfigOf(config, PROVISIONING_SLOTS.operationalKey).writeConfig & 0x2).toBe(2);
    expect(slotConfigOf(config, PROVISIONING_SLOTS.deviceCertificate)).toMatchObject({
      isSecret: false,
      writeConfig: 2,
    });
    expect(slotConfigOf(config, PROVISIONING_SLOTS.signerCertificate)).toMatchObject({
      isSecret: false,
      writeConfig: 2,
    });
    expect(slotConfigOf(config, PROVISIONING_SLOTS.secret).isSecret).toBe(true);
  });
});
