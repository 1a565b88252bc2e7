import { fail } from '@keyline/core';
import { fromHex, toHex } from '../bytes.js';
import { emulatedModelOf, serialOf } from '../atecc/config-zone.js';
import { CONFIG_ZONE_SIZE, OTP_ZONE_SIZE, SLOT_COUNT, SLOT_SIZES } from '../atecc/zones.js';
import { parseFault, type FaultSpec } from './faults.js';

/** The largest value of a monotonic counter: 2,097,151 (21 bits; datasheet "Counter" command). */
export const COUNTER_MAX = 2_097_151;
export const COUNTER_COUNT = 2;

/**
 * Everything an emulated chip remembers: its configuration zone (serial number, revision, SlotConfig,
 * KeyConfig, lock bytes), OTP zone, the 16 data slots (a private-key slot holds 4 zero bytes of padding
 * and then the 32-byte scalar, as the chip lays out a key written by PrivWrite), the two monotonic
 * counters, and the faults injected into it. Never leaves the emulator except as its image file.
 */
export interface ChipState {
  config: Uint8Array;
  otp: Uint8Array;
  slots: Uint8Array[];
  counters: number[];
  faults: readonly FaultSpec[];
}

export const IMAGE_FORMAT = 'keyline-se-chip';
export const IMAGE_VERSION = 1;

/**
 * A full, independent copy. The zones are views of one new buffer: a chip made per provisioned part
 * then costs one allocation outside the heap instead of eighteen (a zone a command changes later is
 * copied into a buffer of its own, `draftState`).
 */
export function cloneState(state: ChipState): ChipState {
  const zones = [state.config, state.otp, ...state.slots];
  const whole = new Uint8Array(zones.reduce((total, zone) => total + zone.length, 0));
  let at = 0;
  const copies = zones.map((zone) => {
    const copy = whole.subarray(at, at + zone.length);
    copy.set(zone);
    at += zone.length;
    return copy;
  });
  return {
    config: copies[0]!,
    otp: copies[1]!,
    slots: copies.slice(2),
    counters: [...state.counters],
    faults: state.faults,
  };
}

/**
 * A draft for a command that may change the chip: the counters copied, the configuration zone, the OTP
 * zone and the slots shared until a handler asks to change one (`writableConfig`, `writableSlot`,
 * `writableOtp`), so a command that touches one slot copies only that slot (a write to a data slot,
 * most of what changes a chip, leaves the configuration zone alone). A saved state is never changed
 * in place.
 */
export function draftState(state: ChipState): ChipState {
  return {
    config: state.config,
    otp: state.otp,
    slots: [...state.slots],
    counters: [...state.counters],
    faults: state.faults,
  };
}

/**
 * The image file: JSON with the zones in hexadecimal, so that a person (or a test) can read what the
 * chip holds. It contains private keys: it is written with mode 0600 and never served.
 */
export function serializeImage(state: ChipState): string {
  const image = {
    format: IMAGE_FORMAT,
    version: IMAGE_VERSION,
    serial: toHex(serialOf(state.config)),
    config: toHex(state.config),
    otp: toHex(state.otp),
    slots: state.slots.map(toHex),
    counters: state.counters,
    faults: state.faults,
  };
  return JSON.stringify(image, null, 1) + '\n';
}

const KEYS = new Set(['format', 'version', 'serial', 'config', 'otp', 'slots', 'counters', 'faults']);

function bytesField(value: unknown, size: number, what: string): Uint8Array {
  const bytes = fromHex(value as string, 'ERR_SE_BAD_IMAGE', what);
  if (bytes.length !== size) fail('ERR_SE_BAD_IMAGE', `${what} must be ${size} bytes`);
  return bytes;
}

/** A chip state from an image file's text, checked field by field (ERR_SE_BAD_IMAGE). */
export function parseImage(text: string): ChipState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('ERR_SE_BAD_IMAGE', 'chip image is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('ERR_SE_BAD_IMAGE', 'chip image is not an object');
  const image = parsed as Record<string, unknown>;
  for (const key of Object.keys(image)) if (!KEYS.has(key)) fail('ERR_SE_BAD_IMAGE', `unknown image field ${key}`);
  if (image['format'] !== IMAGE_FORMAT || image['version'] !== IMAGE_VERSION)
    fail('ERR_SE_BAD_IMAGE', 'not a keyline chip image of a known version');
  const config = bytesField(image['config'], CONFIG_ZONE_SIZE, 'configuration zone');
  if (emulatedModelOf(config) === undefined) fail('ERR_SE_BAD_IMAGE', 'revision is not an emulated model');
  if (image['serial'] !== undefined && image['serial'] !== toHex(serialOf(config)))
    fail('ERR_SE_BAD_IMAGE', 'serial does not match the configuration zone');
  const otp = bytesField(image['otp'], OTP_ZONE_SIZE, 'OTP zone');
  const slotsValue = image['slots'];
  if (!Array.isArray(slotsValue) || slotsValue.length !== SLOT_COUNT)
    fail('ERR_SE_BAD_IMAGE', `image must hold ${SLOT_COUNT} slots`);
  const slots = slotsValue.map((value, slot) => bytesField(value, SLOT_SIZES[slot]!, `slot ${slot}`));
  const countersValue = image['counters'];
  if (
    !Array.isArray(countersValue) ||
    countersValue.length !== COUNTER_COUNT ||
    !countersValue.every((n) => Number.isSafeInteger(n) && n >= 0 && n <= COUNTER_MAX)
  )
    fail('ERR_SE_BAD_IMAGE', 'counters must be two integers from 0 to 2097151');
  const faultsValue = image['faults'] ?? [];
  if (!Array.isArray(faultsValue)) fail('ERR_SE_BAD_IMAGE', 'faults must be a list');
  let faults: FaultSpec[];
  try {
    faults = faultsValue.map(parseFault);
  } catch {
    return fail('ERR_SE_BAD_IMAGE', 'image holds a malformed fault');
  }
  return { config, otp, slots, counters: countersValue as number[], faults };
}
