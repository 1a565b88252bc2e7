import { decodeKeyConfig, decodeSlotConfig, type KeyConfig, type SlotConfig } from './slot-config.js';
import { CONFIG_ZONE_SIZE, SLOT_COUNT } from './zones.js';

/**
 * Byte offsets of the 128-byte configuration zone (datasheet "Configuration Zone" table, shared by
 * the ATECC508A and ATECC608A where it matters here).
 */
export const CONFIG = {
  /** SN[0:3] */
  SERIAL_0: 0,
  /** RevNum, four bytes */
  REVISION: 4,
  /** SN[4:8] */
  SERIAL_4: 8,
  I2C_ENABLE: 14,
  I2C_ADDRESS: 16,
  /** SlotConfig[0..15], two bytes each, little-endian */
  SLOT_CONFIG: 20,
  /** Counter[0] and Counter[1] initial values, eight bytes each */
  COUNTERS: 52,
  USER_EXTRA: 84,
  /** LockValue: data and OTP zones; 0x55 unlocked, 0x00 locked */
  LOCK_VALUE: 86,
  /** LockConfig: configuration zone; 0x55 unlocked, 0x00 locked */
  LOCK_CONFIG: 87,
  /** SlotLocked: one bit per slot, 1 = unlocked, 0 = locked */
  SLOT_LOCKED: 88,
  /** KeyConfig[0..15], two bytes each, little-endian */
  KEY_CONFIG: 96,
} as const;

export const UNLOCKED = 0x55;
export const LOCKED = 0x00;

/** Bytes the Write command can never change: the serial number and revision (0-15), and 84-87, changed only by UpdateExtra and Lock. */
export function isConfigByteWritable(offset: number): boolean {
  return offset >= 16 && !(offset >= CONFIG.USER_EXTRA && offset <= CONFIG.LOCK_CONFIG) && offset < CONFIG_ZONE_SIZE;
}

/** The 9-byte serial number: SN[0:3] at bytes 0-3 and SN[4:8] at bytes 8-12. */
export function serialOf(config: Uint8Array): Uint8Array {
  const serial = new Uint8Array(9);
  serial.set(config.subarray(CONFIG.SERIAL_0, CONFIG.SERIAL_0 + 4), 0);
  serial.set(config.subarray(CONFIG.SERIAL_4, CONFIG.SERIAL_4 + 5), 4);
  return serial;
}

export function revisionOf(config: Uint8Array): Uint8Array {
  return config.slice(CONFIG.REVISION, CONFIG.REVISION + 4);
}

export function slotConfigOf(config: Uint8Array, slot: number): SlotConfig {
  const at = CONFIG.SLOT_CONFIG + 2 * slot;
  return decodeSlotConfig(config[at]! | (config[at + 1]! << 8));
}

export function keyConfigOf(config: Uint8Array, slot: number): KeyConfig {
  const at = CONFIG.KEY_CONFIG + 2 * slot;
  return decodeKeyConfig(config[at]! | (config[at + 1]! << 8));
}

export function setSlotConfig(config: Uint8Array, slot: number, value: number): void {
  config[CONFIG.SLOT_CONFIG + 2 * slot] = value & 0xff;
  config[CONFIG.SLOT_CONFIG + 2 * slot + 1] = value >> 8;
}

export function setKeyConfig(config: Uint8Array, slot: number, value: number): void {
  config[CONFIG.KEY_CONFIG + 2 * slot] = value & 0xff;
  config[CONFIG.KEY_CONFIG + 2 * slot + 1] = value >> 8;
}

export function isConfigLocked(config: Uint8Array): boolean {
  return config[CONFIG.LOCK_CONFIG] !== UNLOCKED;
}

export function isDataLocked(config: Uint8Array): boolean {
  return config[CONFIG.LOCK_VALUE] !== UNLOCKED;
}

export function isSlotLocked(config: Uint8Array, slot: number): boolean {
  const bits = config[CONFIG.SLOT_LOCKED]! | (config[CONFIG.SLOT_LOCKED + 1]! << 8);
  return ((bits >> slot) & 1) === 0;
}

export function setSlotLocked(config: Uint8Array, slot: number): void {
  const byte = CONFIG.SLOT_LOCKED + (slot >> 3);
  config[byte] = config[byte]! & ~(1 << (slot & 7)) & 0xff;
}

export function slotLocksOf(config: Uint8Array): boolean[] {
  return Array.from({ length: SLOT_COUNT }, (_, slot) => isSlotLocked(config, slot));
}

/** The chips the emulator models, told apart by RevNum (bytes 4-7). */
export type ChipModel = 'ATECC508A' | 'ATECC608A';

const REVISIONS: Record<ChipModel, readonly number[]> = {
  ATECC508A: [0x00, 0x00, 0x50, 0x00],
  ATECC608A: [0x00, 0x00, 0x60, 0x02],
};

export function revisionForModel(model: ChipModel): Uint8Array {
  return Uint8Array.from(REVISIONS[model]);
}

/** The model a RevNum names: ATECC508A (0x5000), ATECC608A (0x6002), ATECC608B (0x6003). */
export function modelOfRevision(revision: Uint8Array): string {
  const value = ((revision[2] ?? 0) << 8) | (revision[3] ?? 0);
  if (value === 0x5000) return 'ATECC508A';
  if (value === 0x6002) return 'ATECC608A';
  if (value === 0x6003) return 'ATECC608B';
  return 'ATECC (unknown revision)';
}

/** The emulated model of a configuration zone, if it is one the emulator knows. */
export function emulatedModelOf(config: Uint8Array): ChipModel | undefined {
  const name = modelOfRevision(revisionOf(config));
  return name === 'ATECC508A' || name === 'ATECC608A' ? name : undefined;
}
