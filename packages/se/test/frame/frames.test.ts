import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import { decodeCommandFrame, encodeCommandFrame } from '../../src/frame/command-frame.js';
import { decodeResponseFrame, encodeResponseFrame } from '../../src/frame/response-frame.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isKeylineError(error) ? error.code : 'not a KeylineError';
  }
  return undefined;
}

describe('command frames', () => {
  it('lay out count, opcode, Param1, Param2 (LSB first), data and CRC', () => {
    expect(hex(encodeCommandFrame({ opcode: 0x30, param1: 0, param2: 0, data: new Uint8Array(0) }))).toBe(
      '07300000' + '00035d',
    );
    const read = encodeCommandFrame({ opcode: 0x02, param1: 0x82, param2: 0x0c40, data: new Uint8Array(0) });
    expect(hex(read.subarray(0, 5))).toBe('0702' + '82' + '400c');
  });

  it('round-trip any command', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ maxLength: 148 }),
        (opcode, param1, param2, data) => {
          expect(decodeCommandFrame(encodeCommandFrame({ opcode, param1, param2, data }))).toEqual({
            opcode,
            param1,
            param2,
            data,
          });
        },
      ),
    );
  });

  it('refuse wrong counts, sizes and CRCs with codes', () => {
    const good = encodeCommandFrame({ opcode: 0x1b, param1: 0, param2: 0, data: new Uint8Array(0) });
    expect(codeOf(() => decodeCommandFrame(good.subarray(0, 6)))).toBe('ERR_SE_BAD_FRAME');
    const badCount = new Uint8Array(good);
    badCount[0] = 8;
    expect(codeOf(() => decodeCommandFrame(badCount))).toBe('ERR_SE_BAD_FRAME');
    const badCrc = new Uint8Array(good);
    badCrc[6] = badCrc[6]! ^ 1;
    expect(codeOf(() => decodeCommandFrame(badCrc))).toBe('ERR_SE_CRC');
    expect(codeOf(() => decodeCommandFrame(new Uint8Array(200)))).toBe('ERR_SE_BAD_FRAME');
    expect(codeOf(() => encodeCommandFrame({ opcode: 0x12, param1: 0, param2: 0, data: new Uint8Array(149) }))).toBe(
      'ERR_SE_BAD_FRAME',
    );
  });

  it('decode every malformed input to a code, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 260 }), (bytes) => {
        const code = codeOf(() => decodeCommandFrame(bytes));
        expect(code === undefined || code === 'ERR_SE_BAD_FRAME' || code === 'ERR_SE_CRC').toBe(true);
        const responseCode = codeOf(() => decodeResponseFrame(bytes));
        expect(
          responseCode === undefined || responseCode === 'ERR_SE_BAD_RESPONSE' || responseCode === 'ERR_SE_CRC',
        ).toBe(true);
      }),
    );
  });
});

describe('response frames', () => {
  it('are count, output and CRC: the success status is 04 00 03 40', () => {
    expect(hex(encodeResponseFrame(Uint8Array.of(0x00)))).toBe('04000340');
    expect(hex(encodeResponseFrame(Uint8Array.of(0x11)))).toBe('04113343');
    expect(decodeResponseFrame(Uint8Array.of(0x04, 0x00, 0x03, 0x40))).toEqual(Uint8Array.of(0));
  });

  it('refuse a count that does not fit, and a bad CRC', () => {
    expect(codeOf(() => decodeResponseFrame(Uint8Array.of(0x05, 0x00, 0x03, 0x40)))).toBe('ERR_SE_BAD_RESPONSE');
    expect(codeOf(() => decodeResponseFrame(Uint8Array.of(0x03, 0x03, 0x40)))).toBe('ERR_SE_BAD_RESPONSE');
    expect(codeOf(() => decodeResponseFrame(Uint8Array.of(0x04, 0x00, 0x03, 0x41)))).toBe('ERR_SE_CRC');
  });
});
