import { fail, type RandomSource } from '@keyline/core';
import { isConfigLocked, keyConfigOf } from '../../atecc/config-zone.js';
import type { AteccCommand } from '../../atecc/opcodes.js';
import { isPrivateKeySlot, type KeyConfig } from '../../atecc/slot-config.js';
import { isValidScalar } from '../p256.js';
import type { ChipState } from '../image.js';

/** Volatile state of one host session with the chip: TempKey, which Nonce loads and Sign uses. */
export interface ChipSession {
  tempKey: Uint8Array | undefined;
}

/** What a command handler works on: a draft of the chip's state that is saved only if the command succeeds. */
export interface CommandContext {
  readonly state: ChipState;
  readonly session: ChipSession;
  readonly random: RandomSource;
  /** Set by a handler that changed `state`. */
  changed: boolean;
  /** The public key of the scalar in `slot` (the chip remembers it). */
  readonly publicKeyOf: (slot: number, scalar: Uint8Array) => Uint8Array;
}

/** Runs one command; returns its output (a lone 0x00 for commands that only report success). */
export type CommandHandler = (command: AteccCommand, context: CommandContext) => Uint8Array;

export const SUCCESS_OUTPUT: Uint8Array = Uint8Array.of(0x00);

/** A parse error: the chip refuses the command's shape (status 0x03). */
export function badCommand(message: string): never {
  return fail('ERR_SE_BAD_COMMAND', message);
}

export function expectDataLength(command: AteccCommand, length: number): void {
  if (command.data.length !== length) badCommand(`command data must be ${length} bytes`);
}

/** Commands that depend on the configuration refuse to run before it is locked (as the chip's do). */
export function requireConfigLocked(state: ChipState): void {
  if (!isConfigLocked(state.config)) fail('ERR_SE_NOT_LOCKED', 'the configuration zone is not locked yet');
}

/** KeyID of a key command: a slot number 0-15. */
export function keySlotParam(command: AteccCommand): number {
  if (command.param2 > 15) badCommand('KeyID must be a slot 0-15');
  return command.param2;
}

export function requirePrivateKeySlot(state: ChipState, slot: number): KeyConfig {
  const keyConfig = keyConfigOf(state.config, slot);
  if (!isPrivateKeySlot(keyConfig)) fail('ERR_SE_NOT_A_KEY_SLOT');
  return keyConfig;
}

/** The private scalar a key slot holds (bytes 4-35), if it holds one. */
export function scalarIn(state: ChipState, slot: number): Uint8Array | undefined {
  const scalar = state.slots[slot]!.subarray(4, 36);
  return isValidScalar(scalar) ? scalar : undefined;
}

/** A slot of the draft that the handler may change (copied from the saved state on first use). */
export function writableSlot(context: CommandContext, slot: number): Uint8Array {
  const copy = new Uint8Array(context.state.slots[slot]!);
  context.state.slots[slot] = copy;
  return copy;
}

/** The draft's configuration zone, which the handler may change (a copy of the saved one). */
export function writableConfig(context: CommandContext): Uint8Array {
  const copy = new Uint8Array(context.state.config);
  context.state.config = copy;
  return copy;
}

/** The draft's OTP zone, which the handler may change. */
export function writableOtp(context: CommandContext): Uint8Array {
  const copy = new Uint8Array(context.state.otp);
  context.state.otp = copy;
  return copy;
}

export function requireScalar(state: ChipState, slot: number): Uint8Array {
  return scalarIn(state, slot) ?? fail('ERR_SE_NO_KEY');
}
