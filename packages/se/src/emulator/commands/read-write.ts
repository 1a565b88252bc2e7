import { fail } from '@keyline/core';
import {
  isConfigByteWritable,
  isConfigLocked,
  isDataLocked,
  isSlotLocked,
  keyConfigOf,
  slotConfigOf,
} from '../../atecc/config-zone.js';
import type { AteccCommand } from '../../atecc/opcodes.js';
import {
  isPrivateKeySlot,
  writeConfigAllowsClearWrite,
  writeConfigRequiresEncryption,
} from '../../atecc/slot-config.js';
import { BLOCK, decodeAddress, WORD, ZONE, zoneSize, type Zone, type ZoneAddress } from '../../atecc/zones.js';
import { bytesEqual } from '../../bytes.js';
import type { ChipState } from '../image.js';
import {
  badCommand,
  expectDataLength,
  requireConfigLocked,
  SUCCESS_OUTPUT,
  writableConfig,
  writableOtp,
  writableSlot,
  type CommandContext,
} from './context.js';

/** Param1 of Read and Write: bits 0-1 zone, bit 6 encrypted (Write), bit 7 32 bytes rather than 4. */
interface Access {
  readonly address: ZoneAddress;
  readonly length: 4 | 32;
  readonly encrypted: boolean;
}

function decodeAccess(command: AteccCommand, allowEncrypted: boolean): Access {
  const zoneBits = command.param1 & 0x3;
  if (zoneBits === 3) badCommand('zone must be configuration, OTP or data');
  const reserved = command.param1 & (allowEncrypted ? 0x3c : 0x7c);
  if (reserved !== 0) badCommand('reserved Param1 bits are set');
  const zone = zoneBits as Zone;
  const address = decodeAddress(zone, command.param2);
  if (address === undefined) badCommand('address has unused bits set');
  const length = command.param1 & 0x80 ? BLOCK : WORD;
  if (length === BLOCK && address.offset % BLOCK !== 0) badCommand('a 32-byte access starts at a block');
  // A 32-byte access may name the short last block of a zone or slot (it is padded); a word must lie inside.
  if (address.offset + (length === BLOCK ? 1 : WORD) > zoneSize(zone, address.slot))
    badCommand('address lies beyond the zone or slot');
  return { address, length, encrypted: (command.param1 & 0x40) !== 0 };
}

/** Slot of a data-zone Read or Write, for matching faults. */
export function dataSlotOf(command: AteccCommand): number | undefined {
  if ((command.param1 & 0x3) !== ZONE.DATA) return undefined;
  return decodeAddress(ZONE.DATA, command.param2)?.slot;
}

function zoneBytes(state: ChipState, address: ZoneAddress): Uint8Array {
  if (address.zone === ZONE.CONFIG) return state.config;
  if (address.zone === ZONE.OTP) return state.otp;
  return state.slots[address.slot]!;
}

/**
 * Read (opcode 0x02). Configuration zone: always. OTP zone: once the configuration is locked. Data
 * zone: never before the data zone is locked; then never a private-key slot, and a secret slot only
 * with an encrypted read, which the emulator does not implement.
 */
export function readCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  expectDataLength(command, 0);
  const { address, length } = decodeAccess(command, false);
  const { state } = context;
  if (address.zone === ZONE.OTP) requireConfigLocked(state);
  if (address.zone === ZONE.DATA) {
    requireConfigLocked(state);
    if (!isDataLocked(state.config))
      fail('ERR_SE_NOT_LOCKED', 'data slots cannot be read before the data zone is locked');
    if (isPrivateKeySlot(keyConfigOf(state.config, address.slot))) fail('ERR_SE_PRIVATE_KEY_SLOT');
    if (slotConfigOf(state.config, address.slot).isSecret)
      fail('ERR_SE_PERMISSION_DENIED', 'the slot is secret; clear reads are refused');
  }
  const source = zoneBytes(state, address);
  const out = new Uint8Array(length);
  out.set(source.subarray(address.offset, Math.min(address.offset + length, source.length)));
  return out;
}

/**
 * Write (opcode 0x12), in clear. Configuration zone: while it is unlocked, except bytes 0-15 and
 * 84-87. OTP zone: after the configuration is locked and before the data zone is. Data zone: after
 * the configuration is locked; never a private-key slot (keys come from GenKey), never a slot locked
 * on its own; before the data zone is locked any other slot, afterwards as WriteConfig says.
 */
export function writeCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  const { address, length, encrypted } = decodeAccess(command, true);
  expectDataLength(command, length + (encrypted ? 32 : 0));
  const { state } = context;
  const end = address.offset + length;
  if (address.zone === ZONE.CONFIG) {
    if (isConfigLocked(state.config)) fail('ERR_SE_LOCKED', 'the configuration zone is locked');
    for (let at = address.offset; at < end; at++)
      if (!isConfigByteWritable(at)) fail('ERR_SE_PERMISSION_DENIED', 'those configuration bytes are not writable');
  } else {
    requireConfigLocked(state);
    if (address.zone === ZONE.OTP) {
      if (isDataLocked(state.config)) fail('ERR_SE_LOCKED', 'the OTP zone is locked');
    } else {
      const slot = address.slot;
      if (isPrivateKeySlot(keyConfigOf(state.config, slot))) fail('ERR_SE_PRIVATE_KEY_SLOT');
      if (isSlotLocked(state.config, slot)) fail('ERR_SE_LOCKED', 'the slot is locked');
      const slotConfig = slotConfigOf(state.config, slot);
      if (slotConfig.isSecret && length === WORD)
        fail('ERR_SE_PERMISSION_DENIED', 'a secret slot is written in whole 32-byte blocks');
      if (isDataLocked(state.config)) {
        if (writeConfigRequiresEncryption(slotConfig.writeConfig))
          fail('ERR_SE_PERMISSION_DENIED', 'the slot takes encrypted writes only');
        if (!writeConfigAllowsClearWrite(slotConfig.writeConfig))
          fail('ERR_SE_LOCKED', 'the slot is not writable any more');
      }
    }
  }
  if (encrypted) fail('ERR_SE_PERMISSION_DENIED', 'encrypted writes are not emulated');
  // The short last block of a slot takes a 32-byte write; the padding past its end is dropped.
  const current = zoneBytes(state, address);
  const data = command.data.subarray(0, Math.min(length, current.length - address.offset));
  // Bytes the zone already holds (zeros over a blank slot, a write repeated after a crash) leave the
  // chip as it was: nothing to save, so no image write.
  if (bytesEqual(current.subarray(address.offset, address.offset + data.length), data)) return SUCCESS_OUTPUT;
  const target =
    address.zone === ZONE.CONFIG
      ? writableConfig(context)
      : address.zone === ZONE.OTP
        ? writableOtp(context)
        : writableSlot(context, address.slot);
  target.set(data, address.offset);
  context.changed = true;
  return SUCCESS_OUTPUT;
}
