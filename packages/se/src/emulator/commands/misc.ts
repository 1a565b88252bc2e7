import { fail } from '@keyline/core';
import { isConfigLocked, revisionOf } from '../../atecc/config-zone.js';
import type { AteccCommand } from '../../atecc/opcodes.js';
import { COUNTER_COUNT, COUNTER_MAX } from '../image.js';
import { badCommand, expectDataLength, requireConfigLocked, type CommandContext } from './context.js';

/** Info (opcode 0x30) mode 0x00: the four RevNum bytes of the configuration zone. */
export function infoCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 !== 0x00 || command.param2 !== 0) badCommand('only Info mode Revision is emulated');
  expectDataLength(command, 0);
  return revisionOf(context.state.config);
}

/**
 * Random (opcode 0x1B): 32 random bytes. Until the configuration zone is locked the chip answers the
 * fixed pattern FF FF 00 00 repeated, as the datasheet warns; so does the emulator.
 */
export function randomCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 > 0x01 || command.param2 !== 0) badCommand('bad Random mode');
  expectDataLength(command, 0);
  if (!isConfigLocked(context.state.config)) {
    const pattern = new Uint8Array(32);
    for (let i = 0; i < 32; i += 4) pattern.set([0xff, 0xff, 0x00, 0x00], i);
    return pattern;
  }
  return new Uint8Array(context.random.bytes(32));
}

export const COUNTER_READ = 0x00;
export const COUNTER_INCREMENT = 0x01;

/**
 * Counter (opcode 0x24): read (mode 0) or increment (mode 1) monotonic counter 0 or 1, answering its
 * value as four bytes, least-significant first. A counter never goes back and stops at 2,097,151.
 */
export function counterCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 !== COUNTER_READ && command.param1 !== COUNTER_INCREMENT) badCommand('bad Counter mode');
  if (command.param2 >= COUNTER_COUNT) badCommand('counter must be 0 or 1');
  expectDataLength(command, 0);
  const { state } = context;
  requireConfigLocked(state);
  let value = state.counters[command.param2]!;
  if (command.param1 === COUNTER_INCREMENT) {
    if (value >= COUNTER_MAX) fail('ERR_SE_COUNTER_LIMIT');
    value += 1;
    state.counters[command.param2] = value;
    context.changed = true;
  }
  return Uint8Array.of(value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
}
