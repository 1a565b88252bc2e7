import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atcaCrc16, atcaCrc16Bitwise, atcaCrcBytes, frameCrcMatches, sealFrame } from '../../src/atecc/crc.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** CRC-16/ARC written the other way round (reflected register, polynomial 0xA001), as an independent check. */
function crc16Arc(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

function reverse16(value: number): number {
  let out = 0;
  for (let i = 0; i < 16; i++) out |= ((value >> i) & 1) << (15 - i);
  return out;
}

describe('ATECC CRC-16 (polynomial 0x8005, input bits LSB first, register unreflected, sent LSB first)', () => {
  it('closes the frames the datasheet shows', () => {
    // The answer to a wake token: count 4, status 0x11, CRC 33 43.
    expect(hex(atcaCrcBytes(Uint8Array.of(0x04, 0x11)))).toBe('3343');
    // A success status: count 4, status 0x00, CRC 03 40.
    expect(hex(atcaCrcBytes(Uint8Array.of(0x04, 0x00)))).toBe('0340');
    // The Info (Revision) command 07 30 00 00 00, whose CRC 03 5D is quoted in Microchip's CRC application note.
    expect(hex(atcaCrcBytes(Uint8Array.of(0x07, 0x30, 0x00, 0x00, 0x00)))).toBe('035d');
  });

  it('has check value 0xBCDD over "123456789": the bit reversal of CRC-16/ARC\'s 0xBB3D', () => {
    const check = new TextEncoder().encode('123456789');
    expect(crc16Arc(check)).toBe(0xbb3d);
    expect(atcaCrc16(check)).toBe(0xbcdd);
    expect(atcaCrc16(check)).toBe(reverse16(0xbb3d));
  });

  it('is the bit reversal of CRC-16/ARC on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(atcaCrc16(data)).toBe(reverse16(crc16Arc(data)));
      }),
    );
  });

  it('is zero over the empty input and sends its low byte first', () => {
    expect(atcaCrc16(new Uint8Array(0))).toBe(0);
    const crc = atcaCrc16(Uint8Array.of(1, 2, 3));
    expect(atcaCrcBytes(Uint8Array.of(1, 2, 3))).toEqual(Uint8Array.of(crc & 0xff, crc >> 8));
  });

  it('catches every single-bit error in a frame', () => {
    const frame = Uint8Array.of(0x07, 0x30, 0x00, 0x00, 0x00);
    const good = atcaCrc16(frame);
    for (let bit = 0; bit < frame.length * 8; bit++) {
      const bad = new Uint8Array(frame);
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      expect(atcaCrc16(bad)).not.toBe(good);
    }
  });
});

describe('ATECC CRC-16 by table', () => {
  it('equals the bit-by-bit reference on any input and any prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, cut) => {
        const length = data.length === 0 ? 0 : cut % (data.length + 1);
        expect(atcaCrc16(data)).toBe(atcaCrc16Bitwise(data));
        expect(atcaCrc16(data, length)).toBe(atcaCrc16Bitwise(data.subarray(0, length)));
      }),
    );
  });

  it('seals a frame and checks it', () => {
    const frame = Uint8Array.of(0x07, 0x30, 0x00, 0x00, 0x00, 0xaa, 0xbb);
    expect(frameCrcMatches(frame)).toBe(false);
    sealFrame(frame);
    expect(Buffer.from(frame.subarray(5)).toString('hex')).toBe('035d');
    expect(frameCrcMatches(frame)).toBe(true);
    frame[2] = 0x01;
    expect(frameCrcMatches(frame)).toBe(false);
  });
});
