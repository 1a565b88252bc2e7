import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmulatedChip } from '../../src/emulator/chip.js';
import { newChipState } from '../../src/emulator/create.js';
import { parseImage } from '../../src/emulator/image.js';
import { writeFileAtomic } from '../../src/emulator/image-file.js';
import { chipFileName, createTray, openTrayChip } from '../../src/tray/tray.js';
import { expectCode, sha256, tempDir } from '../helpers.js';

/**
 * The emulator's cheap paths keep their guarantees: a write that changes nothing saves nothing (and
 * one that changes something is on disk before it is answered), durable writes that share
 * directory fsyncs all land, and the direct port's shared watchdog still times out a chip that
 * takes too long.
 */

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

describe('image writes', () => {
  it('a Write of the bytes a slot already holds leaves the image file alone; a change replaces it before the answer', async () => {
    const [serial] = await createTray(dir.path, 1);
    const file = join(dir.path, chipFileName(serial!));
    const se = (await openTrayChip(dir.path, serial!)).element();
    const blank = (await stat(file)).ino;
    await se.write(9, 0, new Uint8Array(72)); // a blank slot holds zeros
    expect((await stat(file)).ino).toBe(blank);

    const data = new Uint8Array(72).fill(0x5a);
    await se.write(9, 0, data);
    const written = (await stat(file)).ino;
    expect(written).not.toBe(blank);
    expect(parseImage(await readFile(file, 'utf8')).slots[9]).toEqual(data);

    await se.write(9, 0, data); // repeated, as after a crash before the lock
    expect((await stat(file)).ino).toBe(written);
    await se.write(9, 32, new Uint8Array(32).fill(0x11)); // a partial change is saved
    expect(parseImage(await readFile(file, 'utf8')).slots[9]!.subarray(32, 64)).toEqual(new Uint8Array(32).fill(0x11));
    await se.lockData();
    expect(await se.read(9, 0, 32)).toEqual(new Uint8Array(32).fill(0x5a));
  });

  it('durable writes into one directory at once all land whole, with no temporary file left', async () => {
    // Three rounds; in each, ten files are written at once (a chip saves one image at a time, so
    // writes to one file are never concurrent).
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, f) =>
          writeFileAtomic(join(dir.path, `f${f}.chip`), `{"f":${f},"round":${round}}\n`),
        ),
      );
      for (let f = 0; f < 10; f++)
        expect(await readFile(join(dir.path, `f${f}.chip`), 'utf8')).toBe(`{"f":${f},"round":${round}}\n`);
    }
    const names = (await readdir(dir.path)).sort();
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}.chip`).sort());
  });
});

describe('direct port watchdog', () => {
  it('fails a command the chip takes longer than the timeout to answer, and answers the others', async () => {
    const chip = new EmulatedChip(newChipState(), { timing: { durationsMs: { sign: 400 } } });
    const se = chip.element({ timeoutMs: 60 });
    const point = await se.generateKey(0);
    expect(point).toHaveLength(65);
    const started = performance.now();
    await expectCode(se.sign(0, sha256('late')), 'ERR_SE_NOT_RESPONDING');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(55);
    expect(elapsed).toBeLessThan(350);
    chip.setTiming(false);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the late Sign finishes inside the chip
    expect(await se.sign(0, sha256('in time'))).toHaveLength(64);
  });
});
