import { createECDH } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import { EmulatedChip } from '../../src/emulator/chip.js';
import { parseImage, serializeImage } from '../../src/emulator/image.js';
import { writeFileAtomic } from '../../src/emulator/image-file.js';
import { newChipState } from '../../src/emulator/create.js';
import { chipFileName, createTray, openTrayChip } from '../../src/tray/tray.js';
import { runFixture, waitForLine } from '../fixtures/child.js';
import { expectCode, scalarsInImage, tempDir } from '../helpers.js';

let dir: { path: string; remove(): Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

describe('chip images', () => {
  it('keep everything across a reopen: keys, data, locks, counters', async () => {
    const [serial] = await createTray(dir.path, 1);
    const first = (await openTrayChip(dir.path, serial!)).element();
    const publicKey = await first.generateKey(0);
    const field = await first.generateKey(2);
    await first.write(8, 0, new Uint8Array(72).fill(0x5a));
    await first.incrementCounter(1);
    await first.lockData();
    await first.lockSlot(12);

    const again = (await openTrayChip(dir.path, serial!)).element();
    expect(await again.getPublicKey(0)).toEqual(publicKey);
    expect(await again.getPublicKey(2)).toEqual(field);
    expect(await again.read(8, 0, 72)).toEqual(new Uint8Array(72).fill(0x5a));
    expect(await again.readCounter(1)).toBe(1);
    const info = await again.info();
    expect(info.dataLocked).toBe(true);
    expect(info.slotLocks[12]).toBe(true);
    await expectCode(again.generateKey(0), 'ERR_SE_LOCKED');
  });

  it('hold the private key inside the image (mode 0600), matching the public key the chip gave', async () => {
    const [serial] = await createTray(dir.path, 1);
    const file = join(dir.path, chipFileName(serial!));
    const publicKey = await (await openTrayChip(dir.path, serial!)).element().generateKey(0);
    const [scalar] = await scalarsInImage(file, [0]);
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(scalar!);
    expect(new Uint8Array(ecdh.getPublicKey())).toEqual(publicKey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('are replaced atomically: no temporary file is left behind', async () => {
    const [serial] = await createTray(dir.path, 1);
    const se = (await openTrayChip(dir.path, serial!)).element();
    for (let i = 0; i < 20; i++) await se.incrementCounter(0);
    expect(await readdir(dir.path)).toEqual([chipFileName(serial!)]);
  });

  it('answer a command only once its state is saved: a failed save changes nothing', async () => {
    const [serial] = await createTray(dir.path, 1);
    const file = join(dir.path, chipFileName(serial!));
    const chip = await openTrayChip(dir.path, serial!);
    const se = chip.element();
    // Make the image path a non-empty directory: the rename of the new image over it fails.
    await rm(file);
    await mkdir(file);
    await writeFile(join(file, 'blocker'), '');
    await expectCode(se.generateKey(0), 'ERR_SE_EXECUTION_FAILED');
    await expectCode(se.getPublicKey(0), 'ERR_SE_NO_KEY');
    await expectCode(se.incrementCounter(0), 'ERR_SE_EXECUTION_FAILED');
    expect(await se.readCounter(0)).toBe(0);
    await expectCode(se.write(12, 0, Uint8Array.of(1, 2, 3, 4)), 'ERR_SE_EXECUTION_FAILED');
    await expectCode(se.lockData(), 'ERR_SE_EXECUTION_FAILED');
    // Nothing changed in memory either: once the image can be written again, the slot is still blank.
    await rm(file, { recursive: true });
    await se.lockData();
    expect(await se.read(12, 0, 4)).toEqual(new Uint8Array(4));
    expect((await readdir(dir.path)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('survive SIGKILL at random moments: always whole, never behind what was acknowledged', async () => {
    const [serial] = await createTray(dir.path, 1);
    const file = join(dir.path, chipFileName(serial!));
    for (let round = 0; round < 3; round++) {
      const child = runFixture('increment-forever.ts', [dir.path, serial!]);
      let acknowledged = 0;
      child.stdout!.on('data', (chunk: Buffer) => {
        const values = chunk.toString().trim().split('\n').filter(Boolean).map(Number);
        acknowledged = Math.max(acknowledged, ...values);
      });
      await waitForLine(child, /^\d+$/);
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 150));
      // 'close' comes after the child's stdout is drained, so every acknowledged value has been seen.
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      await exited;
      const state = parseImage(await readFile(file, 'utf8')); // never torn
      expect(state.counters[0]).toBeGreaterThanOrEqual(acknowledged);
      expect(state.counters[0]).toBeLessThanOrEqual(acknowledged + 1);
      expect(acknowledged).toBeGreaterThan(0);
    }
  }, 60_000);

  it('can skip the fsyncs (atomic) or defer the writes (deferred) until flushed', async () => {
    const [a, b] = await createTray(dir.path, 2);
    const atomic = await openTrayChip(dir.path, a!, { persistence: 'atomic' });
    const key = await atomic.element().generateKey(0);
    expect(await (await openTrayChip(dir.path, a!)).element().getPublicKey(0)).toEqual(key);

    const deferred = await openTrayChip(dir.path, b!, { persistence: 'deferred' });
    const se = deferred.element();
    await se.incrementCounter(0);
    await se.incrementCounter(0);
    expect(parseImage(await readFile(join(dir.path, chipFileName(b!)), 'utf8')).counters[0]).toBe(0);
    await deferred.flush();
    expect(parseImage(await readFile(join(dir.path, chipFileName(b!)), 'utf8')).counters[0]).toBe(2);
    await se.incrementCounter(0);
    await new Promise((resolve) => setTimeout(resolve, 150)); // written by itself shortly after
    expect(parseImage(await readFile(join(dir.path, chipFileName(b!)), 'utf8')).counters[0]).toBe(3);
  });

  it('writeFileAtomic leaves the old file when it cannot finish', async () => {
    const target = join(dir.path, 'busy');
    await mkdir(target);
    await writeFile(join(target, 'x'), 'x');
    await expect(writeFileAtomic(target, 'new')).rejects.toBeDefined();
    expect(await readdir(dir.path)).toEqual(['busy']);
  });

  it('refuse malformed images with ERR_SE_BAD_IMAGE', () => {
    const good = JSON.parse(serializeImage(newChipState())) as Record<string, unknown>;
    const variants: unknown[] = [
      'not json',
      '[]',
      { ...good, format: 'other' },
      { ...good, version: 2 },
      { ...good, extra: 1 },
      { ...good, config: 'zz' },
      { ...good, config: '00' },
      { ...good, serial: '000000000000000000' },
      { ...good, otp: '' },
      { ...good, slots: (good['slots'] as string[]).slice(1) },
      { ...good, slots: ['00', ...(good['slots'] as string[]).slice(1)] },
      { ...good, counters: [0] },
      { ...good, counters: [0, 2_097_152] },
      { ...good, counters: [0, -1] },
      { ...good, faults: [{ operation: 'fly', effect: 'fail' }] },
      { ...good, faults: {} },
    ];
    for (const variant of variants) {
      let caught: unknown;
      try {
        parseImage(typeof variant === 'string' ? variant : JSON.stringify(variant));
      } catch (error) {
        caught = error;
      }
      expect(isKeylineError(caught, 'ERR_SE_BAD_IMAGE'), JSON.stringify(variant).slice(0, 80)).toBe(true);
    }
    expect(parseImage(JSON.stringify(good)).slots.length).toBe(16);
  });

  it('opening a missing or broken image fails with a code', async () => {
    await expectCode(EmulatedChip.open(join(dir.path, 'none.chip')), 'ERR_SE_CHIP_NOT_FOUND');
    await writeFile(join(dir.path, 'bad.chip'), '{');
    await expectCode(EmulatedChip.open(join(dir.path, 'bad.chip')), 'ERR_SE_BAD_IMAGE');
  });
});
