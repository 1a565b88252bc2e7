import { fail, systemRandom, type RandomSource } from '@keyline/core';
import { CONFIG, LOCKED, type ChipModel } from '../atecc/config-zone.js';
import { buildConfigZone, PROVISIONING_LAYOUT, type SlotLayoutEntry } from '../atecc/provisioning-config.js';
import { OTP_ZONE_SIZE, SLOT_SIZES } from '../atecc/zones.js';
import { parseFault, type FaultSpec } from './faults.js';
import { EmulatedChip, type ChipOptions } from './chip.js';
import { COUNTER_COUNT, COUNTER_MAX, type ChipState } from './image.js';

/** How a new emulated chip is made. */
export interface NewChipOptions {
  /** Default ATECC608A. */
  readonly model?: ChipModel;
  /** The 9-byte serial number; default: 01 23, six random bytes, and the model's last byte. */
  readonly serialNumber?: Uint8Array;
  /** Slot and key configuration; default `PROVISIONING_LAYOUT`. */
  readonly layout?: readonly SlotLayoutEntry[];
  /**
   * Whether the configuration zone arrives locked, as chips ordered pre-configured from the vendor do
   * (default true). An unlocked chip must be configured and locked before keys can be made.
   */
  readonly configLocked?: boolean;
  /** Initial counter values (default 0, 0). */
  readonly counters?: readonly number[];
  readonly faults?: readonly FaultSpec[];
}

/**
 * A random serial number in the pattern of the real chips: SN[0:1] are 01 23 on every part, SN[8] is
 * 0xEE on the ATECC508A and 0x01 on the ATECC608A (as their published serial numbers show); the six
 * bytes between are unique per part.
 */
export function randomSerialNumber(model: ChipModel, random: RandomSource = systemRandom): Uint8Array {
  const serial = new Uint8Array(9);
  serial[0] = 0x01;
  serial[1] = 0x23;
  serial.set(random.bytes(6), 2);
  serial[8] = model === 'ATECC508A' ? 0xee : 0x01;
  return serial;
}

/** The state of a new, blank chip: configured, no keys, data zone unlocked and empty. */
export function newChipState(options: NewChipOptions = {}, random: RandomSource = systemRandom): ChipState {
  const model = options.model ?? 'ATECC608A';
  const serial = options.serialNumber ?? randomSerialNumber(model, random);
  if (!(serial instanceof Uint8Array) || serial.length !== 9) fail('ERR_SE_BAD_SERIAL');
  const config = buildConfigZone(serial, model, options.layout ?? PROVISIONING_LAYOUT);
  if (options.configLocked ?? true) config[CONFIG.LOCK_CONFIG] = LOCKED;
  const counters = [...(options.counters ?? [0, 0])];
  if (
    counters.length !== COUNTER_COUNT ||
    !counters.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= COUNTER_MAX)
  )
    fail('ERR_SE_OUT_OF_RANGE', 'counters must be two integers from 0 to 2097151');
  return {
    config,
    otp: new Uint8Array(OTP_ZONE_SIZE),
    slots: SLOT_SIZES.map((size) => new Uint8Array(size)),
    counters,
    faults: (options.faults ?? []).map(parseFault),
  };
}

/** A new blank chip that lives in memory only (for tests and examples); `options.random` also draws its serial. */
export function createMemoryChip(options: NewChipOptions & ChipOptions = {}): EmulatedChip {
  return new EmulatedChip(newChipState(options, options.random ?? systemRandom), options);
}
