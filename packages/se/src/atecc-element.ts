import { fail } from '@keyline/core';
import { Exclusive } from './exclusive.js';
import { atcaCrc16 } from './atecc/crc.js';
import { isConfigLocked, isDataLocked, modelOfRevision, serialOf, slotLocksOf } from './atecc/config-zone.js';
import { OPCODE, type AteccCommand } from './atecc/opcodes.js';
import {
  BLOCK,
  CONFIG_ZONE_SIZE,
  encodeAddress,
  OTP_ZONE_SIZE,
  planTransfers,
  SLOT_SIZES,
  slotSize,
  checkSlot,
  WORD,
  ZONE,
  type Zone,
} from './atecc/zones.js';
import { bytesEqual, concatBytes, isBytes, toHex } from './bytes.js';
import type { CommandPort } from './command-port.js';
import type { ElementInfo, SecureElement } from './element.js';

const GENKEY_CREATE = 0x04;
const GENKEY_PUBLIC = 0x00;
const NONCE_PASSTHROUGH = 0x03;
const SIGN_EXTERNAL = 0x80;
const LOCK_CONFIG = 0x00;
const LOCK_DATA_NO_SUMMARY = 0x81;
const LOCK_SLOT_NO_SUMMARY = 0x82;
const COUNTER_READ = 0x00;
const COUNTER_INCREMENT = 0x01;
export const MAX_RANDOM_LENGTH = 4096;

/** What Random answers until the configuration zone is locked: FF FF 00 00, eight times. */
const UNLOCKED_RANDOM = Uint8Array.from({ length: 32 }, (_, i) => (i % 4 < 2 ? 0xff : 0x00));

/** The configuration blocks `info()` reads: 0-31 (serial number) and 64-95 (LockValue, LockConfig, SlotLocked). */
const INFO_BLOCKS = [0, 64] as const;

/** The data of a command that carries none (nothing writes into a command's data). */
const NO_DATA = new Uint8Array(0);

function command(opcode: number, param1: number, param2: number, data: Uint8Array = NO_DATA): AteccCommand {
  return { opcode, param1, param2, data };
}

function checkCounterId(id: number): void {
  if (id !== 0 && id !== 1) fail('ERR_SE_OUT_OF_RANGE', 'counter must be 0 or 1');
}

function checkRange(offset: number, length: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  )
    fail('ERR_SE_OUT_OF_RANGE', 'range lies outside the slot');
}

/**
 * A `SecureElement` driven by ATECC508A/608A commands, whatever carries them: `FramedElement` over a
 * transport, or an emulated chip directly (`EmulatedChip.element()`). Each interface call is one or a
 * few commands, run one call at a time per element so that a Nonce and its Sign are never split.
 *
 * Beyond the interface it reaches the configuration and OTP zones, which only ATECC-style chips have.
 */
export class AteccElement implements SecureElement {
  readonly #port: CommandPort;
  readonly #turns = new Exclusive();

  constructor(port: CommandPort) {
    this.#port = port;
  }

  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    return this.#turns.run(run);
  }

  /** One command's output: at once when the port could run it at once (see `CommandPort.executeNow`). */
  #run(cmd: AteccCommand, expectedLength: number): Uint8Array | Promise<Uint8Array> {
    const port = this.#port;
    return port.executeNow === undefined ? port.execute(cmd, expectedLength) : port.executeNow(cmd, expectedLength);
  }

  async info(): Promise<ElementInfo> {
    return this.#exclusive(async () => {
      const revision = await this.#run(command(OPCODE.INFO, 0, 0), 4);
      // Only the two blocks of the configuration zone that hold what this reports: the serial
      // number (bytes 0-12) and the lock bytes (86-89). Two reads instead of four.
      const config = new Uint8Array(CONFIG_ZONE_SIZE);
      config.set(await this.#readZone(ZONE.CONFIG, 0, INFO_BLOCKS[0], BLOCK), INFO_BLOCKS[0]);
      config.set(await this.#readZone(ZONE.CONFIG, 0, INFO_BLOCKS[1], BLOCK), INFO_BLOCKS[1]);
      const serialNumber = serialOf(config);
      return {
        serialNumber,
        serialHex: toHex(serialNumber),
        model: modelOfRevision(revision),
        revision: toHex(revision),
        configLocked: isConfigLocked(config),
        dataLocked: isDataLocked(config),
        slotLocks: slotLocksOf(config),
        slotSizes: [...SLOT_SIZES],
      };
    });
  }

  async generateKey(slot: number): Promise<Uint8Array> {
    checkSlot(slot);
    return this.#exclusive(async () => {
      const xy = await this.#run(command(OPCODE.GENKEY, GENKEY_CREATE, slot), 64);
      return uncompressedPoint(xy);
    });
  }

  async getPublicKey(slot: number): Promise<Uint8Array> {
    checkSlot(slot);
    return this.#exclusive(async () => {
      const xy = await this.#run(command(OPCODE.GENKEY, GENKEY_PUBLIC, slot), 64);
      return uncompressedPoint(xy);
    });
  }

  async sign(slot: number, digest: Uint8Array): Promise<Uint8Array> {
    checkSlot(slot);
    if (!isBytes(digest) || digest.length !== 32) fail('ERR_SE_BAD_DIGEST');
    const copy = new Uint8Array(digest);
    return this.#exclusive(async () => {
      await this.#run(command(OPCODE.NONCE, NONCE_PASSTHROUGH, 0, copy), 1);
      return this.#run(command(OPCODE.SIGN, SIGN_EXTERNAL, slot), 64);
    });
  }

  async ecdh(slot: number, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    checkSlot(slot);
    if (!isBytes(peerPublicKey) || peerPublicKey.length !== 65 || peerPublicKey[0] !== 0x04)
      fail('ERR_SE_BAD_PUBLIC_KEY');
    const xy = peerPublicKey.slice(1);
    return this.#exclusive(async () => this.#run(command(OPCODE.ECDH, 0x00, slot, xy), 32));
  }

  async random(length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 1 || length > MAX_RANDOM_LENGTH)
      fail('ERR_SE_OUT_OF_RANGE', `random length must be 1 to ${MAX_RANDOM_LENGTH}`);
    return this.#exclusive(async () => {
      const blocks: Uint8Array[] = [];
      for (let have = 0; have < length; have += 32) {
        const block = await this.#run(command(OPCODE.RANDOM, 0x00, 0), 32);
        // The fixed pattern of a chip whose configuration is unlocked is not randomness.
        if (bytesEqual(block, UNLOCKED_RANDOM)) fail('ERR_SE_NOT_LOCKED', 'the configuration zone is not locked yet');
        blocks.push(block);
      }
      return concatBytes(...blocks).slice(0, length);
    });
  }

  async readCounter(id: number): Promise<number> {
    checkCounterId(id);
    return this.#exclusive(async () => decodeCounter(await this.#run(command(OPCODE.COUNTER, COUNTER_READ, id), 4)));
  }

  async incrementCounter(id: number): Promise<number> {
    checkCounterId(id);
    return this.#exclusive(async () =>
      decodeCounter(await this.#run(command(OPCODE.COUNTER, COUNTER_INCREMENT, id), 4)),
    );
  }

  async read(slot: number, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length, slotSize(slot));
    return this.#exclusive(() => this.#readZone(ZONE.DATA, slot, offset, length));
  }

  async write(slot: number, offset: number, data: Uint8Array): Promise<void> {
    if (!isBytes(data)) fail('ERR_SE_OUT_OF_RANGE', 'data must be bytes');
    checkRange(offset, data.length, slotSize(slot));
    const copy = new Uint8Array(data);
    return this.#exclusive(() => this.#writeZone(ZONE.DATA, slot, offset, copy));
  }

  async lockConfig(): Promise<void> {
    return this.#exclusive(async () => {
      // Lock what was read: the chip refuses if the zone changed in between (summary CRC).
      const config = await this.#readZone(ZONE.CONFIG, 0, 0, CONFIG_ZONE_SIZE);
      await this.#run(command(OPCODE.LOCK, LOCK_CONFIG, atcaCrc16(config)), 1);
    });
  }

  async lockData(): Promise<void> {
    // The host cannot read private keys, so it cannot compute the data zone's summary.
    return this.#exclusive(async () => {
      await this.#run(command(OPCODE.LOCK, LOCK_DATA_NO_SUMMARY, 0), 1);
    });
  }

  async lockSlot(slot: number): Promise<void> {
    checkSlot(slot);
    return this.#exclusive(async () => {
      await this.#run(command(OPCODE.LOCK, LOCK_SLOT_NO_SUMMARY | (slot << 2), 0), 1);
    });
  }

  /** The whole 128-byte configuration zone (always readable). */
  async readConfigZone(): Promise<Uint8Array> {
    return this.#exclusive(() => this.#readZone(ZONE.CONFIG, 0, 0, CONFIG_ZONE_SIZE));
  }

  /** Writes configuration bytes (whole words, not bytes 0-15 or 84-87) while the zone is unlocked. */
  async writeConfigZone(offset: number, data: Uint8Array): Promise<void> {
    if (!isBytes(data)) fail('ERR_SE_OUT_OF_RANGE', 'data must be bytes');
    checkRange(offset, data.length, CONFIG_ZONE_SIZE);
    const copy = new Uint8Array(data);
    return this.#exclusive(() => this.#writeZone(ZONE.CONFIG, 0, offset, copy));
  }

  /** OTP zone bytes (readable once the configuration is locked). */
  async readOtp(offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length, OTP_ZONE_SIZE);
    return this.#exclusive(() => this.#readZone(ZONE.OTP, 0, offset, length));
  }

  /** Writes OTP bytes (whole words) after the configuration is locked and before the data zone is. */
  async writeOtp(offset: number, data: Uint8Array): Promise<void> {
    if (!isBytes(data)) fail('ERR_SE_OUT_OF_RANGE', 'data must be bytes');
    checkRange(offset, data.length, OTP_ZONE_SIZE);
    const copy = new Uint8Array(data);
    return this.#exclusive(() => this.#writeZone(ZONE.OTP, 0, offset, copy));
  }

  async close(): Promise<void> {
    await this.#port.close();
  }

  async #readZone(zone: Zone, slot: number, offset: number, length: number): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const size = zone === ZONE.CONFIG ? CONFIG_ZONE_SIZE : zone === ZONE.OTP ? OTP_ZONE_SIZE : SLOT_SIZES[slot]!;
    const start = offset - (offset % WORD);
    const end = Math.min(size, Math.ceil((offset + length) / WORD) * WORD);
    // Each transfer's bytes go straight to their place in the result (no parts to join).
    const result = new Uint8Array(length);
    for (const step of planTransfers(start, end, size)) {
      const param1 = zone | (step.length === BLOCK ? 0x80 : 0);
      const pending = this.#run(
        command(OPCODE.READ, param1, encodeAddress({ zone, slot, offset: step.offset })),
        step.length,
      );
      const out = pending instanceof Uint8Array ? pending : await pending;
      const from = Math.max(step.offset, offset);
      const to = Math.min(step.offset + step.length, offset + length);
      if (to > from) result.set(out.subarray(from - step.offset, to - step.offset), from - offset);
    }
    return result;
  }

  async #writeZone(zone: Zone, slot: number, offset: number, data: Uint8Array): Promise<void> {
    if (offset % WORD !== 0 || data.length % WORD !== 0) fail('ERR_SE_MISALIGNED');
    const size = zone === ZONE.CONFIG ? CONFIG_ZONE_SIZE : zone === ZONE.OTP ? OTP_ZONE_SIZE : SLOT_SIZES[slot]!;
    for (const step of planTransfers(offset, offset + data.length, size)) {
      const at = step.offset - offset;
      // `data` is the element's own copy: a whole transfer is a view of it; a slot's short last block
      // is padded with zeros to the 32 bytes a block write carries.
      let chunk: Uint8Array;
      if (at + step.length <= data.length) chunk = data.subarray(at, at + step.length);
      else {
        chunk = new Uint8Array(step.length);
        chunk.set(data.subarray(at));
      }
      const param1 = zone | (step.length === BLOCK ? 0x80 : 0);
      const pending = this.#run(
        command(OPCODE.WRITE, param1, encodeAddress({ zone, slot, offset: step.offset }), chunk),
        1,
      );
      if (!(pending instanceof Uint8Array)) await pending;
    }
  }
}

/** 04 || X || Y from the X || Y a GenKey outputs. */
function uncompressedPoint(xy: Uint8Array): Uint8Array {
  const point = new Uint8Array(1 + xy.length);
  point[0] = 0x04;
  point.set(xy, 1);
  return point;
}

function decodeCounter(bytes: Uint8Array): number {
  return bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! * 0x1000000);
}
