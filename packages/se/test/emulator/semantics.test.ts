import { describe, expect, it } from 'vitest';
import { CONFIG } from '../../src/atecc/config-zone.js';
import { atcaCrc16 } from '../../src/atecc/crc.js';
import { OPCODE } from '../../src/atecc/opcodes.js';
import { PROVISIONING_LAYOUT } from '../../src/atecc/provisioning-config.js';
import type { EmulatedChip } from '../../src/emulator/chip.js';
import { createMemoryChip } from '../../src/emulator/create.js';
import { COUNTER_MAX } from '../../src/emulator/image.js';
import { expectCode, peerKeyPair, sha256 } from '../helpers.js';

function run(chip: EmulatedChip, opcode: number, param1: number, param2: number, data = new Uint8Array(0)) {
  return chip.execute({ opcode, param1, param2, data }, chip.openSession());
}

describe('emulated chip: configuration zone', () => {
  it('until it is locked: no keys, no data, no counters, and Random gives the fixed pattern', async () => {
    const chip = createMemoryChip({ configLocked: false });
    const se = chip.element();
    expect((await se.info()).configLocked).toBe(false);
    await expectCode(se.generateKey(0), 'ERR_SE_NOT_LOCKED');
    await expectCode(se.write(12, 0, new Uint8Array(4)), 'ERR_SE_NOT_LOCKED');
    await expectCode(se.readCounter(0), 'ERR_SE_NOT_LOCKED');
    await expectCode(se.readOtp(0, 4), 'ERR_SE_NOT_LOCKED');
    await expectCode(se.lockData(), 'ERR_SE_NOT_LOCKED');
    await expectCode(se.random(32), 'ERR_SE_NOT_LOCKED');
    const raw = await run(chip, OPCODE.RANDOM, 0, 0);
    expect(raw.kind === 'output' && Buffer.from(raw.output).toString('hex')).toBe('ffff0000'.repeat(8));
  });

  it('can be written while unlocked, except the serial number, revision and bytes 84-87', async () => {
    const chip = createMemoryChip({ configLocked: false });
    const se = chip.element();
    const before = await se.readConfigZone();
    expect(before.length).toBe(128);
    // Reconfigure slot 12 as a P-256 private-key slot: KeyConfig 0x0033 at bytes 120-121 (word 30).
    await se.writeConfigZone(120, Uint8Array.of(0x33, 0x00, 0x3c, 0x00));
    await expectCode(se.writeConfigZone(0, new Uint8Array(4)), 'ERR_SE_PERMISSION_DENIED');
    await expectCode(se.writeConfigZone(12, new Uint8Array(4)), 'ERR_SE_PERMISSION_DENIED');
    await expectCode(se.writeConfigZone(84, new Uint8Array(4)), 'ERR_SE_PERMISSION_DENIED');
    await expectCode(se.writeConfigZone(64, new Uint8Array(32)), 'ERR_SE_PERMISSION_DENIED'); // covers 84-87
    await expectCode(se.writeConfigZone(17, new Uint8Array(4)), 'ERR_SE_MISALIGNED');
    const after = await se.readConfigZone();
    expect(after.subarray(0, 16)).toEqual(before.subarray(0, 16));
    expect([after[120], after[121]]).toEqual([0x33, 0x00]);
    await se.lockConfig();
    await expectCode(se.writeConfigZone(120, Uint8Array.of(0x3c, 0x00, 0x3c, 0x00)), 'ERR_SE_LOCKED');
    expect((await se.generateKey(12)).length).toBe(65); // the new configuration is in force
    await expectCode(se.lockConfig(), 'ERR_SE_ALREADY_LOCKED');
  });

  it('locks only with the right summary CRC, unless the host asks to skip it', async () => {
    const chip = createMemoryChip({ configLocked: false });
    const se = chip.element();
    const config = await se.readConfigZone();
    const wrong = await run(chip, OPCODE.LOCK, 0x00, atcaCrc16(config) ^ 1);
    expect(wrong.kind === 'error' && wrong.error.code).toBe('ERR_SE_LOCK_SUMMARY_MISMATCH');
    expect((await se.info()).configLocked).toBe(false);
    const right = await run(chip, OPCODE.LOCK, 0x00, atcaCrc16(config));
    expect(right.kind).toBe('output');
    expect((await se.readConfigZone())[CONFIG.LOCK_CONFIG]).toBe(0x00);
    // Data zone: summary over the slots in order, then the OTP zone (all zero here).
    const zeros = new Uint8Array(1208 + 64);
    const dataWrong = await run(chip, OPCODE.LOCK, 0x01, atcaCrc16(zeros) ^ 0xffff);
    expect(dataWrong.kind === 'error' && dataWrong.error.code).toBe('ERR_SE_LOCK_SUMMARY_MISMATCH');
    expect((await run(chip, OPCODE.LOCK, 0x01, atcaCrc16(zeros))).kind).toBe('output');
    expect((await se.info()).dataLocked).toBe(true);
  });

  it('refuses malformed Lock modes as parse errors', async () => {
    const chip = createMemoryChip();
    for (const [param1, param2] of [
      [0x03, 0],
      [0x40, 0],
      [0x84, 0], // slot bits on a configuration lock
      [0x81, 0x1234], // a summary with the no-summary bit
    ] as const) {
      const reply = await run(chip, OPCODE.LOCK, param1, param2);
      expect(reply.kind === 'error' && reply.error.code).toBe('ERR_SE_BAD_COMMAND');
    }
  });
});

describe('emulated chip: OTP zone and counters', () => {
  it('writes the OTP zone until the data zone is locked, then keeps it read-only', async () => {
    const se = createMemoryChip().element();
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    await se.writeOtp(0, data);
    expect(await se.readOtp(0, 64)).toEqual(data);
    await se.lockData();
    await expectCode(se.writeOtp(0, new Uint8Array(4)), 'ERR_SE_LOCKED');
    expect(await se.readOtp(3, 10)).toEqual(data.subarray(3, 13));
    await expectCode(se.readOtp(60, 8), 'ERR_SE_OUT_OF_RANGE');
  });

  it('stops a counter at 2,097,151', async () => {
    const se = createMemoryChip({ counters: [COUNTER_MAX - 1, 7] }).element();
    expect(await se.incrementCounter(0)).toBe(COUNTER_MAX);
    await expectCode(se.incrementCounter(0), 'ERR_SE_COUNTER_LIMIT');
    expect(await se.readCounter(0)).toBe(COUNTER_MAX);
    expect(await se.readCounter(1)).toBe(7);
  });
});

describe('emulated chip: keys and signing', () => {
  it('signs only a digest loaded by Nonce in the same session, once', async () => {
    const chip = createMemoryChip();
    await chip.element().generateKey(0);
    const session = chip.openSession();
    const other = chip.openSession();
    const sign = { opcode: OPCODE.SIGN, param1: 0x80, param2: 0, data: new Uint8Array(0) };
    const nonce = { opcode: OPCODE.NONCE, param1: 0x03, param2: 0, data: sha256('m') };
    expect((await chip.execute(sign, session)).kind).toBe('error');
    expect((await chip.execute(nonce, session)).kind).toBe('output');
    const elsewhere = await chip.execute(sign, other);
    expect(elsewhere.kind === 'error' && elsewhere.error.code).toBe('ERR_SE_NO_DIGEST');
    expect((await chip.execute(sign, session)).kind).toBe('output');
    const again = await chip.execute(sign, session);
    expect(again.kind === 'error' && again.error.code).toBe('ERR_SE_NO_DIGEST');
  });

  it('keeps a key made before the data lock when PubInfo is clear, but no longer shows its public key', async () => {
    const layout = PROVISIONING_LAYOUT.map((e) => (e.slot === 0 ? { ...e, keyConfig: 0x0031 } : e)); // PubInfo clear
    const se = createMemoryChip({ layout }).element();
    const publicKey = await se.generateKey(0);
    expect(await se.getPublicKey(0)).toEqual(publicKey);
    await se.lockData();
    await expectCode(se.getPublicKey(0), 'ERR_SE_PERMISSION_DENIED');
    expect((await se.sign(0, sha256('still'))).length).toBe(64);
  });

  it('refuses ECDH in clear for a slot whose result must stay in the chip', async () => {
    const layout = PROVISIONING_LAYOUT.map((e) => (e.slot === 0 ? { ...e, slotConfig: 0x008f } : e)); // ReadKey bit 3
    const se = createMemoryChip({ layout }).element();
    await se.generateKey(0);
    await expectCode(se.ecdh(0, peerKeyPair().publicKey), 'ERR_SE_PERMISSION_DENIED');
  });
});

describe('emulated chip: data slots', () => {
  it('writes a secret slot in whole blocks only and never reads it', async () => {
    const se = createMemoryChip().element();
    await expectCode(se.write(5, 0, new Uint8Array(4)), 'ERR_SE_PERMISSION_DENIED');
    await se.write(5, 0, new Uint8Array(36).fill(0xab)); // two 32-byte writes, the second padded
    await se.lockData();
    await expectCode(se.read(5, 0, 36), 'ERR_SE_PERMISSION_DENIED');
    await expectCode(se.write(5, 0, new Uint8Array(36)), 'ERR_SE_LOCKED');
  });

  it('refuses encrypted writes, which it does not emulate', async () => {
    const chip = createMemoryChip();
    const reply = await run(chip, OPCODE.WRITE, 0x82 | 0x40, 12 << 3, new Uint8Array(64));
    expect(reply.kind === 'error' && reply.error.code).toBe('ERR_SE_PERMISSION_DENIED');
  });

  it('reads and writes every slot at its own size', async () => {
    const se = createMemoryChip().element();
    const sizes = (await se.info()).slotSizes;
    const dataSlots = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    for (const slot of dataSlots) await se.write(slot, 0, new Uint8Array(sizes[slot]!).fill(slot));
    await se.lockData();
    for (const slot of dataSlots)
      expect(await se.read(slot, 0, sizes[slot]!)).toEqual(new Uint8Array(sizes[slot]!).fill(slot));
  });
});

describe('emulated chip: models', () => {
  it('emulates the ATECC508A and the ATECC608A with their revisions and serial patterns', async () => {
    const a = await createMemoryChip({ model: 'ATECC508A' }).element().info();
    expect(a.model).toBe('ATECC508A');
    expect(a.revision).toBe('00005000');
    expect(a.serialHex).toMatch(/^0123[0-9a-f]{12}ee$/);
    const b = await createMemoryChip().element().info();
    expect(b.model).toBe('ATECC608A');
    expect(b.revision).toBe('00006002');
    expect(b.serialHex).toMatch(/^0123[0-9a-f]{12}01$/);
  });
});
