import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isKeylineError, KeylineError, systemRandom, type RandomSource } from '@keyline/core';
import { toHex } from '../bytes.js';
import { EmulatedChip, type ChipOptions, type ChipSummary } from '../emulator/chip.js';
import { newChipState, randomSerialNumber, type NewChipOptions } from '../emulator/create.js';
import { serializeImage } from '../emulator/image.js';
import { writeFileAtomic } from '../emulator/image-file.js';
import { checkSerialHex } from '../transport/socket-protocol.js';

/** A chip image's file name: its serial number in lower-case hexadecimal. */
export const CHIP_FILE_SUFFIX = '.chip';

export function chipFileName(serialHex: string): string {
  return checkSerialHex(serialHex) + CHIP_FILE_SUFFIX;
}

const CHIP_FILE = /^[0-9a-f]{18}\.chip$/;

/** The serial numbers of the chips in a tray directory, sorted. Temporary files of interrupted writes are ignored. */
export async function traySerials(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((name) => CHIP_FILE.test(name))
    .map((name) => name.slice(0, 18))
    .sort();
}

/**
 * Makes `count` blank chips in the tray directory `dir` (created if needed): each with a fresh serial
 * number not already in the tray, the provisioning configuration (locked, unless `options` says
 * otherwise), no keys, an empty unlocked data zone. Returns their serial numbers.
 */
export async function createTray(
  dir: string,
  count: number,
  random: RandomSource = systemRandom,
  options: Omit<NewChipOptions, 'serialNumber'> = {},
): Promise<string[]> {
  if (!Number.isSafeInteger(count) || count < 0) throw new TypeError('count must be a non-negative integer');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const taken = new Set(await traySerials(dir));
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    let serial: Uint8Array;
    do serial = randomSerialNumber(options.model ?? 'ATECC608A', random);
    while (taken.has(toHex(serial)));
    const serialHex = toHex(serial);
    taken.add(serialHex);
    await writeFileAtomic(
      join(dir, chipFileName(serialHex)),
      serializeImage(newChipState({ ...options, serialNumber: serial }, random)),
    );
    made.push(serialHex);
  }
  return made;
}

/** Opens one chip of a tray (ERR_SE_BAD_SERIAL, ERR_SE_CHIP_NOT_FOUND, ERR_SE_BAD_IMAGE). */
export async function openTrayChip(dir: string, serialHex: string, options: ChipOptions = {}): Promise<EmulatedChip> {
  return EmulatedChip.open(join(dir, chipFileName(serialHex)), options);
}

/** What each chip of a tray is (serial, model, locks, which key slots hold keys, faults), sorted by serial. */
export async function listTray(dir: string): Promise<ChipSummary[]> {
  const out: ChipSummary[] = [];
  for (const serialHex of await traySerials(dir)) {
    try {
      out.push((await openTrayChip(dir, serialHex)).summary());
    } catch (error) {
      if (isKeylineError(error, 'ERR_SE_BAD_IMAGE'))
        throw new KeylineError('ERR_SE_BAD_IMAGE', error.message, { serialHex });
      throw error;
    }
  }
  return out;
}

/**
 * The chips of a tray, opened on demand and kept open, so that every user in this process shares one
 * `EmulatedChip` per image (two objects writing one image would lose each other's changes). One
 * process owns a tray at a time; other processes reach it through `serveTray`.
 */
export class Tray {
  readonly dir: string;
  readonly #options: ChipOptions;
  readonly #chips = new Map<string, Promise<EmulatedChip>>();

  constructor(dir: string, options: ChipOptions = {}) {
    this.dir = dir;
    this.#options = options;
  }

  async chip(serialHex: string): Promise<EmulatedChip> {
    const key = checkSerialHex(serialHex);
    let chip = this.#chips.get(key);
    if (chip === undefined) {
      chip = openTrayChip(this.dir, key, this.#options);
      this.#chips.set(key, chip);
      chip.catch(() => this.#chips.delete(key));
    }
    return chip;
  }

  serials(): Promise<string[]> {
    return traySerials(this.dir);
  }

  /** Writes out every opened chip's pending changes (`deferred` persistence). */
  async flush(): Promise<void> {
    const chips = await Promise.allSettled(this.#chips.values());
    for (const chip of chips) if (chip.status === 'fulfilled') await chip.value.flush();
  }
}
