import { fail } from '@keyline/core';
import { isDataLocked, isSlotLocked, slotConfigOf } from '../../atecc/config-zone.js';
import type { AteccCommand } from '../../atecc/opcodes.js';
import {
  READKEY_ECDH,
  READKEY_ECDH_TO_SLOT,
  READKEY_EXTERNAL_SIGN,
  WRITECONFIG_GENKEY,
} from '../../atecc/slot-config.js';
import { generateScalar, sharedSecret, signDigest } from '../p256.js';
import {
  badCommand,
  expectDataLength,
  keySlotParam,
  requireConfigLocked,
  requirePrivateKeySlot,
  requireScalar,
  SUCCESS_OUTPUT,
  writableSlot,
  type CommandContext,
} from './context.js';

/** GenKey modes (datasheet "GenKey Command"): 0x04 makes a new private key, 0x00 computes the public key of the one there. */
export const GENKEY_CREATE = 0x04;
export const GENKEY_PUBLIC = 0x00;

/**
 * GenKey (opcode 0x40). Needs the configuration locked and a slot configured as a P-256 private key.
 * Making a key: refused in a slot locked on its own, and, once the data zone is locked, unless
 * WriteConfig has its GenKey bit. Computing the public key: refused once the data zone is locked
 * unless KeyConfig.PubInfo is set. Outputs X || Y (64 bytes).
 */
export function genKeyCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 !== GENKEY_CREATE && command.param1 !== GENKEY_PUBLIC) badCommand('unsupported GenKey mode');
  expectDataLength(command, 0);
  const slot = keySlotParam(command);
  const { state } = context;
  requireConfigLocked(state);
  const keyConfig = requirePrivateKeySlot(state, slot);
  if (command.param1 === GENKEY_CREATE) {
    if (isSlotLocked(state.config, slot)) fail('ERR_SE_LOCKED', 'the key slot is locked');
    if (isDataLocked(state.config) && (slotConfigOf(state.config, slot).writeConfig & WRITECONFIG_GENKEY) === 0)
      fail('ERR_SE_LOCKED', 'the data zone is locked and this slot does not allow a new key');
    const scalar = generateScalar(context.random);
    const contents = writableSlot(context, slot);
    contents.fill(0, 0, 36);
    contents.set(scalar, 4);
    scalar.fill(0);
    context.changed = true;
  } else if (isDataLocked(state.config) && !keyConfig.pubInfo) {
    fail('ERR_SE_PERMISSION_DENIED', 'the slot configuration does not release its public key');
  }
  return context.publicKeyOf(slot, requireScalar(state, slot)).slice(1);
}

/** Nonce mode 0x03, pass-through: the host's 32 bytes become TempKey (datasheet "Nonce Command"). */
export const NONCE_PASSTHROUGH = 0x03;

export function nonceCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 !== NONCE_PASSTHROUGH || command.param2 !== 0)
    badCommand('only the pass-through Nonce is emulated');
  expectDataLength(command, 32);
  context.session.tempKey = new Uint8Array(command.data);
  return SUCCESS_OUTPUT;
}

/** Sign mode 0x80: sign the external digest held in TempKey. */
export const SIGN_EXTERNAL = 0x80;

/**
 * Sign (opcode 0x41), external mode: signs the digest that Nonce loaded into TempKey with the slot's
 * key, if SlotConfig.ReadKey allows external signatures. TempKey is used up. Outputs r || s.
 */
export function signCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 !== SIGN_EXTERNAL) badCommand('only external Sign is emulated');
  expectDataLength(command, 0);
  const slot = keySlotParam(command);
  const { state, session } = context;
  requireConfigLocked(state);
  requirePrivateKeySlot(state, slot);
  if ((slotConfigOf(state.config, slot).readKey & READKEY_EXTERNAL_SIGN) === 0)
    fail('ERR_SE_PERMISSION_DENIED', 'the slot does not sign external digests');
  const scalar = requireScalar(state, slot);
  const digest = session.tempKey;
  if (digest === undefined) fail('ERR_SE_NO_DIGEST');
  session.tempKey = undefined;
  return signDigest(scalar, digest, context.random);
}

/**
 * ECDH (opcode 0x43, mode 0x00): the shared secret of the slot's key and the peer's X || Y, output in
 * clear when SlotConfig.ReadKey allows ECDH and does not bind the result to slot N|1 (that mode is not
 * emulated).
 */
export function ecdhCommand(command: AteccCommand, context: CommandContext): Uint8Array {
  if (command.param1 !== 0x00) badCommand('only ECDH mode 0 is emulated');
  expectDataLength(command, 64);
  const slot = keySlotParam(command);
  const { state } = context;
  requireConfigLocked(state);
  requirePrivateKeySlot(state, slot);
  const readKey = slotConfigOf(state.config, slot).readKey;
  if ((readKey & READKEY_ECDH) === 0) fail('ERR_SE_PERMISSION_DENIED', 'the slot does not do ECDH');
  if ((readKey & READKEY_ECDH_TO_SLOT) !== 0)
    fail('ERR_SE_PERMISSION_DENIED', 'the slot keeps its ECDH result inside the chip');
  const scalar = requireScalar(state, slot);
  const peer = new Uint8Array(65);
  peer[0] = 0x04;
  peer.set(command.data, 1);
  return sharedSecret(scalar, peer);
}
