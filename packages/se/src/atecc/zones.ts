import { fail } from '@keyline/core';

/**
 * The memory map of the ATECC508A/608A: a 128-byte configuration zone, a 64-byte OTP zone and a
 * data zone of 16 slots (slots 0-7 of 36 bytes, slot 8 of 416 bytes, slots 9-15 of 72 bytes; the
 * datasheets' "Data Zone" table). Reads and writes move 4 bytes (a word) or 32 bytes (a block).
 */
export const ZONE = { CONFIG: 0, OTP: 1, DATA: 2 } as const;
export type Zone = (typeof ZONE)[keyof typeof ZONE];

export const CONFIG_ZONE_SIZE = 128;
export const OTP_ZONE_SIZE = 64;
export const SLOT_COUNT = 16;
export const WORD = 4;
export const BLOCK = 32;

export const SLOT_SIZES: readonly number[] = Object.freeze(
  Array.from({ length: SLOT_COUNT }, (_, slot) => (slot < 8 ? 36 : slot === 8 ? 416 : 72)),
);

/** The size of a slot, or ERR_SE_OUT_OF_RANGE for a slot the chip does not have. */
export function slotSize(slot: number): number {
  checkSlot(slot);
  return SLOT_SIZES[slot]!;
}

export function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOT_COUNT) fail('ERR_SE_OUT_OF_RANGE', 'no such slot');
}

/** A location in a zone: a byte offset that is always a whole word. */
export interface ZoneAddress {
  readonly zone: Zone;
  /** Slot number (data zone only; 0 otherwise). */
  readonly slot: number;
  /** Byte offset within the slot or zone: block * 32 + word * 4. */
  readonly offset: number;
}

/**
 * Param2 of Read and Write (datasheet "Address Encoding"). Configuration and OTP zones: bits 0-2 are
 * the word within the block, bits 3-4 the block. Data zone: bits 0-2 the word, bits 3-6 the slot,
 * bits 8-11 the block. Unused bits are zero.
 */
export function encodeAddress(address: ZoneAddress): number {
  const block = Math.floor(address.offset / BLOCK);
  const word = (address.offset % BLOCK) / WORD;
  if (address.zone === ZONE.DATA) return (block << 8) | (address.slot << 3) | word;
  return (block << 3) | word;
}

/** The inverse of `encodeAddress`; `undefined` when unused bits are set. */
export function decodeAddress(zone: Zone, param2: number): ZoneAddress | undefined {
  const word = param2 & 0x7;
  if (zone === ZONE.DATA) {
    if ((param2 & 0xf080) !== 0) return undefined;
    const slot = (param2 >> 3) & 0xf;
    const block = (param2 >> 8) & 0xf;
    return { zone, slot, offset: block * BLOCK + word * WORD };
  }
  if ((param2 & 0xffe0) !== 0) return undefined;
  const block = (param2 >> 3) & 0x3;
  return { zone, slot: 0, offset: block * BLOCK + word * WORD };
}

/** Bytes a zone (or a data slot) holds. */
export function zoneSize(zone: Zone, slot: number): number {
  return zone === ZONE.CONFIG ? CONFIG_ZONE_SIZE : zone === ZONE.OTP ? OTP_ZONE_SIZE : SLOT_SIZES[slot]!;
}

/**
 * How a byte range [start, end) of a zone of `size` bytes is moved in commands: whole 32-byte blocks
 * where a block starts and the range covers it (or covers the zone's short last block to its end),
 * single words elsewhere. `start` and `end` are word-aligned.
 */
export function planTransfers(start: number, end: number, size: number): { offset: number; length: 4 | 32 }[] {
  const plan: { offset: number; length: 4 | 32 }[] = [];
  let at = start;
  while (at < end) {
    const wholeBlock = at % BLOCK === 0 && (at + BLOCK <= end || (end === size && at + BLOCK > size));
    if (wholeBlock) {
      plan.push({ offset: at, length: BLOCK });
      at = Math.min(at + BLOCK, end);
    } else {
      plan.push({ offset: at, length: WORD });
      at += WORD;
    }
  }
  return plan;
}
