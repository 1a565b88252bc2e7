import { fail } from '@keyline/core';
import { frameCrcMatches, sealFrame } from '../atecc/crc.js';

/**
 * A response frame (datasheet "Output Packets"): Count (the whole frame), the output bytes, CRC-16.
 * A single output byte is a status; a successful command with nothing to return answers status 0x00.
 */
export const RESPONSE_OVERHEAD = 3;
/** Count is one byte; the largest answer the emulator gives is 64 bytes. */
export const MAX_RESPONSE_FRAME = 255;

export function encodeResponseFrame(output: Uint8Array): Uint8Array {
  const count = RESPONSE_OVERHEAD + output.length;
  if (count > MAX_RESPONSE_FRAME) throw new RangeError('response output too long for one frame');
  const frame = new Uint8Array(count);
  frame[0] = count;
  frame.set(output, 1);
  sealFrame(frame);
  return frame;
}

/** The output bytes of a response frame: ERR_SE_BAD_RESPONSE for a wrong layout, ERR_SE_CRC for a wrong CRC. */
export function decodeResponseFrame(frame: Uint8Array): Uint8Array {
  if (frame.length < RESPONSE_OVERHEAD + 1 || frame[0] !== frame.length)
    fail('ERR_SE_BAD_RESPONSE', 'response frame count does not match its length');
  if (!frameCrcMatches(frame)) fail('ERR_SE_CRC', 'response frame CRC mismatch');
  return frame.slice(1, frame.length - 2);
}
