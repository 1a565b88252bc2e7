import { fail } from '@keyline/core';
import { frameCrcMatches, sealFrame } from '../atecc/crc.js';
import type { AteccCommand } from '../atecc/opcodes.js';

/**
 * A command frame as it crosses the bus (datasheet "Command Packets"): Count (one byte: the whole
 * frame, itself and the CRC included), Opcode, Param1, Param2 (two bytes, least-significant first),
 * Data, CRC-16 over everything before it. The I2C word address that precedes it on a real bus (0x03)
 * belongs to the bus, not to the frame.
 */
export const COMMAND_OVERHEAD = 7;

/**
 * The largest frame the emulator accepts. The chip's own input buffer is a little over 150 bytes;
 * no command the emulator implements needs more than 71.
 */
export const MAX_COMMAND_FRAME = 155;

export function encodeCommandFrame(command: AteccCommand): Uint8Array {
  const count = COMMAND_OVERHEAD + command.data.length;
  if (count > MAX_COMMAND_FRAME) fail('ERR_SE_BAD_FRAME', 'command frame would be oversized');
  const frame = new Uint8Array(count);
  frame[0] = count;
  frame[1] = command.opcode & 0xff;
  frame[2] = command.param1 & 0xff;
  frame[3] = command.param2 & 0xff;
  frame[4] = (command.param2 >> 8) & 0xff;
  frame.set(command.data, 5);
  sealFrame(frame);
  return frame;
}

/** The command in a frame: ERR_SE_BAD_FRAME for a wrong size or count, ERR_SE_CRC for a wrong CRC. */
export function decodeCommandFrame(frame: Uint8Array): AteccCommand {
  if (frame.length < COMMAND_OVERHEAD) fail('ERR_SE_BAD_FRAME', 'command frame is shorter than its header and CRC');
  if (frame.length > MAX_COMMAND_FRAME) fail('ERR_SE_BAD_FRAME', 'command frame is oversized');
  if (frame[0] !== frame.length) fail('ERR_SE_BAD_FRAME', 'count byte does not match the frame length');
  if (!frameCrcMatches(frame)) fail('ERR_SE_CRC', 'command frame CRC mismatch');
  return {
    opcode: frame[1]!,
    param1: frame[2]!,
    param2: frame[3]! | (frame[4]! << 8),
    data: frame.slice(5, frame.length - 2),
  };
}
