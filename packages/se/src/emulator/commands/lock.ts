import { fail } from '@keyline/core';
import { atcaCrc16 } from '../../atecc/crc.js';
import {
  CONFIG,
  isConfigLocked,
  isDataLocked,
  isSlotLocked,
  keyConfigOf,
  LOCKED,
  setSlotLocked,
} from '../../atecc/config-zone.js';
import type { AteccCommand } from '../../atecc/opcodes.js';
import { concatBytes } from '../../bytes.js';
import {
  badCommand,
  expectDataLength,
  requireConfigLocked,
  SUCCESS_OUTPUT,
  writableConfig,
  type CommandContext,
} from './context.js';

/** Lock Param1 (datasheet "Lock Command"): bits 0-1 what, bits 2-5 the slot, bit 7 skip the summary check. */
export const LOCK_CONFIG = 0x00;
export const LOCK_DATA = 0x01;
export const LOCK_SLOT = 0x02;
export const LOCK_NO_SUMMARY = 0x80;

export function lockSlotOf(command: AteccCommand): number | undefined {
  return (command.param1 & 0x3) === LOCK_SLOT ? (command.param1 >> 2) & 0xf : undefined;
}

/**
 * Lock (opcode 0x17). The configuration zone; the data and OTP zones together (the configuration must
 * be locked first); or one slot whose KeyConfig.Lockable is set. Unless Param1 bit 7 is set, Param2
 * must be the CRC-16 of what is being locked (the whole configuration zone; the slots in order
 * followed by the OTP zone; the slot), so that a host locks exactly what it checked. Nothing unlocks.
 */
export function lockCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  expectDataLength(command, 0);
  const what = command.param1 & 0x3;
  const noSummary = (command.param1 & LOCK_NO_SUMMARY) !== 0;
  if ((command.param1 & 0x40) !== 0 || what === 3) badCommand('reserved Lock mode');
  if (what !== LOCK_SLOT && (command.param1 & 0x3c) !== 0) badCommand('slot bits set for a zone lock');
  if (noSummary && command.param2 !== 0) badCommand('summary given with the no-summary mode');
  const { state } = context;
  const checkSummary = (contents: () => Uint8Array): void => {
    if (!noSummary && atcaCrc16(contents()) !== command.param2) fail('ERR_SE_LOCK_SUMMARY_MISMATCH');
  };
  if (what === LOCK_CONFIG) {
    if (isConfigLocked(state.config)) fail('ERR_SE_ALREADY_LOCKED', 'the configuration zone is already locked');
    checkSummary(() => state.config);
    writableConfig(context)[CONFIG.LOCK_CONFIG] = LOCKED;
  } else if (what === LOCK_DATA) {
    requireConfigLocked(state);
    if (isDataLocked(state.config)) fail('ERR_SE_ALREADY_LOCKED', 'the data zone is already locked');
    checkSummary(() => concatBytes(...state.slots, state.otp));
    writableConfig(context)[CONFIG.LOCK_VALUE] = LOCKED;
  } else {
    const slot = (command.param1 >> 2) & 0xf;
    requireConfigLocked(state);
    if (!keyConfigOf(state.config, slot).lockable) fail('ERR_SE_NOT_LOCKABLE');
    if (isSlotLocked(state.config, slot)) fail('ERR_SE_ALREADY_LOCKED', 'the slot is already locked');
    checkSummary(() => state.slots[slot]!);
    setSlotLocked(writableConfig(context), slot);
  }
  context.changed = true;
  return SUCCESS_OUTPUT;
}
