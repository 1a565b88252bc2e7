import { describe, expect, it } from 'vitest';
import { OPCODE, type AteccCommand } from '../../src/atecc/opcodes.js';
import { createMemoryChip } from '../../src/emulator/create.js';
import { createTray, openTrayChip } from '../../src/tray/tray.js';
import { expectCode, tempDir } from '../helpers.js';

const genKey = (slot: number): AteccCommand => ({
  opcode: OPCODE.GENKEY,
  param1: 0x04,
  param2: slot,
  data: new Uint8Array(0),
});
const publicKey = (slot: number): AteccCommand => ({
  opcode: OPCODE.GENKEY,
  param1: 0x00,
  param2: slot,
  data: new Uint8Array(0),
});

describe('EmulatedChip.executeNow (commands answered synchronously)', () => {
  it('runs a command on an idle chip in memory at once, with the effect execute would have', async () => {
    const chip = createMemoryChip();
    const session = chip.openSession();
    const made = chip.executeNow(genKey(0), session);
    expect(made?.kind).toBe('output');
    const again = await chip.execute(publicKey(0), session);
    expect(again).toEqual(made);
    // The key is kept: the element reads the same public key.
    const point = await chip.element().getPublicKey(0);
    expect(made?.kind === 'output' && point.subarray(1)).toEqual(made?.kind === 'output' && made.output);
  });

  it('refuses (undefined) while another command runs, with timing, and for a chip kept in a file', async () => {
    const chip = createMemoryChip();
    const session = chip.openSession();
    const running = chip.execute(genKey(0), session);
    expect(chip.executeNow(publicKey(0), session)).toBeUndefined();
    await running;
    expect(chip.executeNow(publicKey(0), session)?.kind).toBe('output');
    chip.setTiming(true);
    expect(chip.executeNow(publicKey(0), session)).toBeUndefined();
    chip.setTiming(false);
    expect(chip.executeNow(publicKey(0), session)?.kind).toBe('output');

    const dir = await tempDir();
    try {
      const [serial] = await createTray(dir.path, 1);
      const fileChip = await openTrayChip(dir.path, serial!);
      expect(fileChip.executeNow(genKey(0), fileChip.openSession())).toBeUndefined();
    } finally {
      await dir.remove();
    }
  });

  it('uses a fault up once: a silent chip times out once, then answers', async () => {
    const chip = createMemoryChip({ faults: [{ operation: 'genKey', effect: 'silent', count: 1 }] });
    const se = chip.element({ timeoutMs: 30 });
    await expectCode(se.generateKey(0), 'ERR_SE_NOT_RESPONDING');
    expect(chip.faults).toEqual([]);
    expect((await se.generateKey(0)).length).toBe(65);
  });

  it('through frames in process: a silent chip times out once, a garbled answer is a CRC error', async () => {
    const chip = createMemoryChip({
      faults: [
        { operation: 'genKey', effect: 'silent', count: 1 },
        { operation: 'genKey', effect: 'crc', count: 1 },
      ],
    });
    const se = chip.framedElement({ timeoutMs: 30 });
    await expectCode(se.generateKey(0), 'ERR_SE_NOT_RESPONDING');
    await expectCode(se.generateKey(0), 'ERR_SE_CRC');
    expect(chip.faults).toEqual([]);
    const point = await se.getPublicKey(0);
    expect(await chip.element().getPublicKey(0)).toEqual(point);
  });

  it('fails a closed element at once', async () => {
    const se = createMemoryChip().element();
    await se.close();
    await expectCode(se.getPublicKey(0), 'ERR_SE_CLOSED');
  });

  it('reads and writes unaligned ranges and short last blocks as before', async () => {
    const se = createMemoryChip().element();
    const slot9 = Uint8Array.from({ length: 72 }, (_, i) => i + 1);
    const slot8 = Uint8Array.from({ length: 100 }, (_, i) => 255 - i);
    await se.write(9, 0, slot9);
    await se.write(8, 4, slot8);
    await se.lockData();
    expect(await se.read(9, 0, 72)).toEqual(slot9);
    expect(await se.read(9, 5, 67)).toEqual(slot9.subarray(5));
    expect(await se.read(8, 4, 100)).toEqual(slot8);
    expect(await se.read(8, 6, 37)).toEqual(slot8.subarray(2, 39));
    expect(await se.read(8, 0, 4)).toEqual(new Uint8Array(4));
  });

  it('info() reads the two configuration blocks it reports from, and reports what the chip holds', async () => {
    // Two reads are let through; a third would fail.
    const chip = createMemoryChip({ faults: [{ operation: 'read', effect: 'fail', skip: 2, count: 1 }] });
    const se = chip.element();
    await se.lockSlot(0);
    const info = await se.info();
    expect(chip.faults).toEqual([{ operation: 'read', effect: 'fail', count: 1 }]);
    const summary = chip.summary();
    expect(summary.lockedSlots).toEqual([0]);
    expect(info.serialHex).toBe(summary.serialHex);
    expect(info.configLocked).toBe(summary.configLocked);
    expect(info.dataLocked).toBe(summary.dataLocked);
    expect(info.slotLocks.flatMap((locked, slot) => (locked ? [slot] : []))).toEqual(summary.lockedSlots);
    expect(info.model).toBe(summary.model);
  });
});
