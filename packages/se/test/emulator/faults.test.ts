import { verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createMemoryChip } from '../../src/emulator/create.js';
import { matchFault, parseFault, type FaultSpec } from '../../src/emulator/faults.js';
import { serveTray, connectElement } from '../../src/tray/serve.js';
import { createTray, openTrayChip } from '../../src/tray/tray.js';
import { expectCode, publicKeyObject, sha256, tempDir } from '../helpers.js';

const verifies = (publicKey: Uint8Array, message: string, signature: Uint8Array): boolean =>
  verify('sha256', Buffer.from(message), { key: publicKeyObject(publicKey), dsaEncoding: 'ieee-p1363' }, signature);

describe('fault injection', () => {
  it('write failure: the write fails and has no effect, then the chip recovers', async () => {
    const chip = createMemoryChip({ faults: [{ operation: 'write', effect: 'fail', count: 1 }] });
    const se = chip.element();
    await expectCode(se.write(12, 0, Uint8Array.of(1, 2, 3, 4)), 'ERR_SE_EXECUTION_FAILED');
    await se.write(12, 4, Uint8Array.of(5, 6, 7, 8));
    await se.lockData();
    expect(await se.read(12, 0, 8)).toEqual(Uint8Array.of(0, 0, 0, 0, 5, 6, 7, 8));
    expect(chip.faults).toEqual([]);
  });

  it('lets matching commands through first (skip) and targets one slot', async () => {
    const se = createMemoryChip({
      faults: [{ operation: 'write', effect: 'fail', slot: 8, skip: 1, count: 1 }],
    }).element();
    await se.write(12, 0, new Uint8Array(4)); // another slot: not matched
    await se.write(8, 0, new Uint8Array(4)); // skipped
    await expectCode(se.write(8, 0, new Uint8Array(4)), 'ERR_SE_EXECUTION_FAILED');
    await se.write(8, 0, new Uint8Array(4));
  });

  it('wrong signature: the chip answers a signature that does not verify', async () => {
    const chip = createMemoryChip();
    const se = chip.element();
    const publicKey = await se.generateKey(0);
    await chip.injectFault({ operation: 'sign', effect: 'corrupt', count: 1 });
    const bad = await se.sign(0, sha256('challenge'));
    expect(bad.length).toBe(64);
    expect(verifies(publicKey, 'challenge', bad)).toBe(false);
    expect(verifies(publicKey, 'challenge', await se.sign(0, sha256('challenge')))).toBe(true);
  });

  it('wrong public key from GenKey, corrupted writes and reads', async () => {
    const chip = createMemoryChip({ faults: [{ operation: 'genKey', effect: 'corrupt', count: 1 }] });
    const se = chip.element();
    const claimed = await se.generateKey(0);
    expect(await se.getPublicKey(0)).not.toEqual(claimed);
    await chip.injectFault({ operation: 'write', effect: 'corrupt', count: 1 });
    await se.write(12, 0, Uint8Array.of(0x10, 0, 0, 0)); // reports success
    await se.lockData();
    expect(await se.read(12, 0, 4)).toEqual(Uint8Array.of(0x11, 0, 0, 0));
    await chip.injectFault({ operation: 'read', effect: 'corrupt', count: 1 });
    expect(await se.read(12, 0, 4)).toEqual(Uint8Array.of(0x10, 0, 0, 0));
  });

  it('lock failure: the zone stays unlocked', async () => {
    const se = createMemoryChip({ faults: [{ operation: 'lock', effect: 'fail', count: 2 }] }).element();
    await expectCode(se.lockData(), 'ERR_SE_EXECUTION_FAILED');
    await expectCode(se.lockSlot(0), 'ERR_SE_EXECUTION_FAILED');
    const info = await se.info();
    expect(info.dataLocked).toBe(false);
    expect(info.slotLocks[0]).toBe(false);
    await se.lockData();
    expect((await se.info()).dataLocked).toBe(true);
  });

  it('a chip that stops answering times out with ERR_SE_NOT_RESPONDING, in process and framed', async () => {
    const chip = createMemoryChip({ faults: [{ operation: 'any', effect: 'silent', count: 2 }] });
    const direct = chip.element({ timeoutMs: 60 });
    const started = performance.now();
    await expectCode(direct.random(32), 'ERR_SE_NOT_RESPONDING');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    await expectCode(chip.framedElement({ timeoutMs: 60 }).readCounter(0), 'ERR_SE_NOT_RESPONDING');
    expect((await direct.random(32)).length).toBe(32); // used up: answers again
  });

  it('a silent chip over the socket: the client times out, reconnects, and goes on', async () => {
    const dir = await tempDir();
    try {
      const [serial] = await createTray(dir.path, 1);
      const chip = await openTrayChip(dir.path, serial!);
      await chip.injectFault({ operation: 'counter', effect: 'silent', count: 1 });
      const server = await serveTray(dir.path, { socketPath: join(dir.path, 's.sock') });
      try {
        const se = await connectElement({ socketPath: join(dir.path, 's.sock'), serialHex: serial!, timeoutMs: 100 });
        await expectCode(se.incrementCounter(0), 'ERR_SE_NOT_RESPONDING');
        expect(await se.incrementCounter(0)).toBe(1); // the silent command did nothing
        await se.close();
      } finally {
        await server.close();
      }
    } finally {
      await dir.remove();
    }
  });

  it('a garbled answer is a CRC error, though the command took effect', async () => {
    const chip = createMemoryChip({ faults: [{ operation: 'counter', effect: 'crc', count: 1 }] });
    const se = chip.framedElement();
    await expectCode(se.incrementCounter(0), 'ERR_SE_CRC');
    expect(await se.readCounter(0)).toBe(1);
    await chip.injectFault({ operation: 'random', effect: 'crc', count: 1 });
    await expectCode(chip.element().random(8), 'ERR_SE_CRC');
  });

  it('a chip broken for good stays broken, and faults persist in the image', async () => {
    const dir = await tempDir();
    try {
      const [serial] = await createTray(dir.path, 1);
      const chip = await openTrayChip(dir.path, serial!);
      await chip.injectFault({ operation: 'genKey', effect: 'fail' });
      await chip.injectFault({ operation: 'write', effect: 'fail', skip: 2, count: 3 });
      const se = chip.element();
      for (let i = 0; i < 3; i++) await expectCode(se.generateKey(0), 'ERR_SE_EXECUTION_FAILED');
      await se.write(12, 0, new Uint8Array(4));
      const reopened = await openTrayChip(dir.path, serial!);
      expect(reopened.faults).toEqual([
        { operation: 'genKey', effect: 'fail' },
        { operation: 'write', effect: 'fail', skip: 1, count: 3 },
      ]);
      expect(reopened.summary().faults).toBe(2);
      await reopened.clearFaults();
      expect((await openTrayChip(dir.path, serial!)).faults).toEqual([]);
    } finally {
      await dir.remove();
    }
  });

  it('checks fault descriptions', () => {
    const bad: unknown[] = [
      null,
      [],
      { operation: 'fly', effect: 'fail' },
      { operation: 'sign', effect: 'explode' },
      { operation: 'sign', effect: 'fail', count: 0 },
      { operation: 'sign', effect: 'fail', skip: -1 },
      { operation: 'sign', effect: 'fail', slot: 16 },
      { operation: 'sign', effect: 'fail', slot: 1.5 },
      { operation: 'sign', effect: 'fail', when: 'now' },
    ];
    for (const value of bad) expect(() => parseFault(value), JSON.stringify(value)).toThrow(/fault/);
    expect(parseFault({ operation: 'any', effect: 'silent', skip: 0 })).toEqual({ operation: 'any', effect: 'silent' });
  });

  it('matches the first fault that fits and uses it up', () => {
    const faults: FaultSpec[] = [
      { operation: 'sign', effect: 'corrupt', count: 1 },
      { operation: 'any', effect: 'fail' },
    ];
    const first = matchFault(faults, 'sign', 0);
    expect(first.effect).toBe('corrupt');
    expect(first.faults).toEqual([{ operation: 'any', effect: 'fail' }]);
    const second = matchFault(first.faults, 'sign', 0);
    expect(second).toEqual({ effect: 'fail', faults: first.faults, changed: false });
    expect(matchFault([], 'read', undefined)).toEqual({ effect: undefined, faults: [], changed: false });
  });
});
