import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAddress, encodeAddress, planTransfers, SLOT_SIZES, ZONE } from '../../src/atecc/zones.js';

describe('ATECC memory map', () => {
  it('has the slot sizes of the ATECC508A/608A data zone', () => {
    expect(SLOT_SIZES).toEqual([36, 36, 36, 36, 36, 36, 36, 36, 416, 72, 72, 72, 72, 72, 72, 72]);
    expect(SLOT_SIZES.reduce((a, b) => a + b)).toBe(1208);
  });

  it('encodes data-zone addresses as slot bits 3-6, block bits 8-11, word bits 0-2', () => {
    expect(encodeAddress({ zone: ZONE.DATA, slot: 8, offset: 0 })).toBe(0x0040);
    expect(encodeAddress({ zone: ZONE.DATA, slot: 8, offset: 12 * 32 })).toBe(0x0c40);
    expect(encodeAddress({ zone: ZONE.DATA, slot: 15, offset: 64 + 4 })).toBe(0x0279);
    expect(encodeAddress({ zone: ZONE.CONFIG, slot: 0, offset: 84 })).toBe(0x0015); // block 2, word 5
    expect(encodeAddress({ zone: ZONE.OTP, slot: 0, offset: 32 })).toBe(0x0008);
  });

  it('decodes what it encodes and refuses unused bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 103 }), (slot, word) => {
        const offset = (word * 4) % SLOT_SIZES[slot]!;
        const address = { zone: ZONE.DATA, slot, offset: offset - (offset % 4) } as const;
        expect(decodeAddress(ZONE.DATA, encodeAddress(address))).toEqual(address);
      }),
    );
    expect(decodeAddress(ZONE.DATA, 0x8000)).toBeUndefined();
    expect(decodeAddress(ZONE.DATA, 0x0080)).toBeUndefined();
    expect(decodeAddress(ZONE.CONFIG, 0x0020)).toBeUndefined();
  });

  it('moves whole blocks where it can and words elsewhere', () => {
    expect(planTransfers(0, 36, 36)).toEqual([
      { offset: 0, length: 32 },
      { offset: 32, length: 32 }, // the short last block, padded
    ]);
    expect(planTransfers(0, 72, 72)).toEqual([
      { offset: 0, length: 32 },
      { offset: 32, length: 32 },
      { offset: 64, length: 32 },
    ]);
    expect(planTransfers(4, 40, 72)).toEqual([
      { offset: 4, length: 4 },
      { offset: 8, length: 4 },
      { offset: 12, length: 4 },
      { offset: 16, length: 4 },
      { offset: 20, length: 4 },
      { offset: 24, length: 4 },
      { offset: 28, length: 4 },
      { offset: 32, length: 4 },
      { offset: 36, length: 4 },
    ]);
    expect(planTransfers(32, 64, 416)).toEqual([{ offset: 32, length: 32 }]);
    expect(planTransfers(8, 8, 36)).toEqual([]);
  });
});
