import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '@keyline/core';
import { chipFileName, createTray, listTray, openTrayChip, Tray, traySerials } from '../../src/tray/tray.js';
import { expectCode, tempDir } from '../helpers.js';

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

describe('trays', () => {
  it('hold one image per chip, named by serial number', async () => {
    const serials = await createTray(join(dir.path, 'new'), 5);
    expect(new Set(serials).size).toBe(5);
    expect((await readdir(join(dir.path, 'new'))).sort()).toEqual(serials.map(chipFileName).sort());
    for (const serial of serials) expect(serial).toMatch(/^0123[0-9a-f]{12}01$/);
  });

  it('list blank chips: configuration locked, data unlocked, no keys', async () => {
    const serials = await createTray(dir.path, 3);
    const list = await listTray(dir.path);
    expect(list.map((c) => c.serialHex)).toEqual([...serials].sort());
    for (const chip of list)
      expect(chip).toMatchObject({
        model: 'ATECC608A',
        revision: '00006002',
        configLocked: true,
        dataLocked: false,
        lockedSlots: [],
        keySlots: [],
        faults: 0,
      });
  });

  it('list what the line did to a chip', async () => {
    const [serial] = await createTray(dir.path, 2);
    const chip = await openTrayChip(dir.path, serial!);
    const se = chip.element();
    await se.generateKey(0);
    await se.generateKey(2);
    await se.lockData();
    await se.lockSlot(0);
    await chip.injectFault({ operation: 'sign', effect: 'corrupt' });
    const listed = (await listTray(dir.path)).find((c) => c.serialHex === serial)!;
    expect(listed).toMatchObject({ dataLocked: true, lockedSlots: [0], keySlots: [0, 2], faults: 1 });
  });

  it('grow when made again, can be made unlocked or of another model, and ignore stray files', async () => {
    await createTray(dir.path, 2);
    await createTray(dir.path, 1, undefined, { configLocked: false, model: 'ATECC508A' });
    await writeFile(join(dir.path, '.0123aabbccddeeff01.chip.123.1.tmp'), 'half-written');
    await writeFile(join(dir.path, 'notes.txt'), 'x');
    const list = await listTray(dir.path);
    expect(list.length).toBe(3);
    expect(list.filter((c) => !c.configLocked).map((c) => c.model)).toEqual(['ATECC508A']);
    expect(await traySerials(dir.path)).toEqual(list.map((c) => c.serialHex));
  });

  it('make the same serial numbers from the same seed, and never the same one twice', async () => {
    const a = await createTray(join(dir.path, 'a'), 4, seededRandom(42));
    const b = await createTray(join(dir.path, 'b'), 4, seededRandom(42));
    expect(a).toEqual(b);
    // A random source stuck on one value still yields distinct serials in one tray only if it moves;
    // the tray refuses duplicates by drawing again.
    let n = 0;
    const repeating = { bytes: (len: number) => new Uint8Array(len).fill(Math.floor(n++ / 2)) };
    const c = await createTray(join(dir.path, 'c'), 3, repeating);
    expect(new Set(c).size).toBe(3);
  });

  it('report missing chips, bad serials and broken images with codes', async () => {
    const [serial] = await createTray(dir.path, 1);
    await expectCode(openTrayChip(dir.path, '0123000000000000aa'), 'ERR_SE_CHIP_NOT_FOUND');
    await expectCode(openTrayChip(dir.path, 'zz'), 'ERR_SE_BAD_SERIAL');
    await expectCode(openTrayChip(dir.path, '../../etc/passwd'), 'ERR_SE_BAD_SERIAL');
    await writeFile(join(dir.path, chipFileName(serial!)), '[]');
    await expect(listTray(dir.path)).rejects.toMatchObject({ code: 'ERR_SE_BAD_IMAGE', detail: { serialHex: serial } });
  });

  it('share one chip object per image in a process', async () => {
    const [serial] = await createTray(dir.path, 1);
    const tray = new Tray(dir.path);
    const a = await tray.chip(serial!);
    expect(await tray.chip(serial!.toUpperCase())).toBe(a);
    await expectCode(tray.chip('0123000000000000aa'), 'ERR_SE_CHIP_NOT_FOUND');
    expect(await tray.serials()).toEqual([serial]);
  });
});
