import { CONFIG, UNLOCKED, revisionForModel, setKeyConfig, setSlotConfig, type ChipModel } from './config-zone.js';
import { CONFIG_ZONE_SIZE } from './zones.js';

/** What one slot is for and how it is configured. */
export interface SlotLayoutEntry {
  readonly slot: number;
  readonly purpose: string;
  readonly slotConfig: number;
  readonly keyConfig: number;
}

/**
 * Where the Keyline provisioning line finds things in a chip configured with
 * `PROVISIONING_LAYOUT`.
 */
export const PROVISIONING_SLOTS = {
  /** The device identity (IDevID) key: made once by the line, fixed when the data zone is locked. */
  identityKey: 0,
  /** A second fixed key (for example for key attestation), signing only. */
  attestationKey: 1,
  /** The operational (LDevID) key: may be made again in the field, after the data zone is locked. */
  operationalKey: 2,
  /** A key for key agreement only (ECDH), may be made again in the field. */
  keyAgreementKey: 3,
  /** A spare key that may be made again in the field. */
  spareKey: 4,
  /** A secret: never readable, written before the data zone is locked. */
  secret: 5,
  /** The compressed device certificate (416 bytes), written by the line before the data zone is locked. */
  deviceCertificate: 8,
  /** The signer (issuing CA) public key, 72 bytes. */
  signerPublicKey: 9,
  /** The compressed signer (issuing CA) certificate, 72 bytes. */
  signerCertificate: 10,
} as const;

/*
 * SlotConfig: low byte = ReadKey (bits 0-3) | IsSecret (0x80); high byte = WriteKey | WriteConfig << 4.
 * KeyConfig: Private 0x01 | PubInfo 0x02 | KeyType << 2 (4 = P-256 → 0x10, 7 = data → 0x1C) | Lockable 0x20.
 */
const FIXED_KEY_SIGN_ECDH = { slotConfig: 0x0087, keyConfig: 0x0033 }; // sign ext+int, ECDH clear; GenKey only before data lock
const FIXED_KEY_SIGN = { slotConfig: 0x0083, keyConfig: 0x0033 };
const FIELD_KEY_SIGN_ECDH = { slotConfig: 0x2087, keyConfig: 0x0013 }; // WriteConfig 0b0010: GenKey after data lock
const FIELD_KEY_ECDH = { slotConfig: 0x2084, keyConfig: 0x0013 };
const SECRET = { slotConfig: 0x2080, keyConfig: 0x001c }; // IsSecret; WriteConfig never once locked
const WRITE_ONCE_DATA = { slotConfig: 0x2000, keyConfig: 0x003c }; // clear reads; WriteConfig never once locked
const FREE_DATA = { slotConfig: 0x0000, keyConfig: 0x003c }; // clear reads; WriteConfig always

/**
 * The configuration Keyline provisions chips with. Slot numbers of the certificates follow the
 * brief of the line (slot 8 device certificate, slot 10 signer certificate); the key slots follow the
 * habit of Microchip's pre-provisioned parts (one permanent key in slot 0, keys the user may make again
 * in slots 2-4). Documented in docs/secure-elements.md.
 */
export const PROVISIONING_LAYOUT: readonly SlotLayoutEntry[] = Object.freeze([
  { slot: 0, purpose: 'device identity key (IDevID), fixed at data lock', ...FIXED_KEY_SIGN_ECDH },
  { slot: 1, purpose: 'attestation key, fixed at data lock, signing only', ...FIXED_KEY_SIGN },
  { slot: 2, purpose: 'operational key (LDevID), may be made again in the field', ...FIELD_KEY_SIGN_ECDH },
  { slot: 3, purpose: 'key-agreement key (ECDH only), may be made again in the field', ...FIELD_KEY_ECDH },
  { slot: 4, purpose: 'spare key, may be made again in the field', ...FIELD_KEY_SIGN_ECDH },
  { slot: 5, purpose: 'secret, never readable, written before data lock', ...SECRET },
  { slot: 6, purpose: 'general data', ...FREE_DATA },
  { slot: 7, purpose: 'general data', ...FREE_DATA },
  { slot: 8, purpose: 'compressed device certificate, written before data lock', ...WRITE_ONCE_DATA },
  { slot: 9, purpose: 'signer public key, written before data lock', ...WRITE_ONCE_DATA },
  { slot: 10, purpose: 'compressed signer certificate, written before data lock', ...WRITE_ONCE_DATA },
  { slot: 11, purpose: 'reserved, written before data lock', ...WRITE_ONCE_DATA },
  { slot: 12, purpose: 'user data', ...FREE_DATA },
  { slot: 13, purpose: 'user data', ...FREE_DATA },
  { slot: 14, purpose: 'user data', ...FREE_DATA },
  { slot: 15, purpose: 'user data', ...FREE_DATA },
]);

/**
 * A configuration zone for `serial` holding `layout`, with the chip's fixed bytes (serial number,
 * revision) and every lock open.
 */
export function buildConfigZone(
  serial: Uint8Array,
  model: ChipModel,
  layout: readonly SlotLayoutEntry[] = PROVISIONING_LAYOUT,
): Uint8Array {
  const config = new Uint8Array(CONFIG_ZONE_SIZE);
  config.set(serial.subarray(0, 4), CONFIG.SERIAL_0);
  config.set(revisionForModel(model), CONFIG.REVISION);
  config.set(serial.subarray(4, 9), CONFIG.SERIAL_4);
  config[CONFIG.I2C_ENABLE] = 0x01; // I2C rather than single-wire
  config[CONFIG.I2C_ADDRESS] = 0xc0; // the default 7-bit address 0x60, shifted
  // Counter initial values as the vendor's sample configurations write them (counters start at 0).
  for (const at of [CONFIG.COUNTERS, CONFIG.COUNTERS + 8]) config.fill(0xff, at, at + 4);
  config[CONFIG.LOCK_VALUE] = UNLOCKED;
  config[CONFIG.LOCK_CONFIG] = UNLOCKED;
  config[CONFIG.SLOT_LOCKED] = 0xff;
  config[CONFIG.SLOT_LOCKED + 1] = 0xff;
  for (const entry of layout) {
    setSlotConfig(config, entry.slot, entry.slotConfig);
    setKeyConfig(config, entry.slot, entry.keyConfig);
  }
  return config;
}
