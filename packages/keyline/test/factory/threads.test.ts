import { openTrayChip } from '@keyline/se';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { prepareBatchChain } from '../../src/factory/chain.js';
import { runFactoryBatch, StationPool, type FactoryProgress } from '../../src/factory/index.js';
import { verifyManifest } from '../../src/manifest/index.js';
import { rebuildChainOfChip } from './chip-chain.js';
import { factoryFixture, type FactoryFixture } from './support.js';

/**
 * The line with station threads (factory/station-pool.ts, station-thread.ts): the chips held and
 * worked on in worker threads, the journal, the CA and the manifest in this one. The same
 * guarantees as in process (run.test.ts, resume.test.ts).
 */
let fx: FactoryFixture | undefined;
let pool: StationPool;
beforeAll(async () => {
  pool = await StationPool.start(2);
}, 60_000);
afterAll(async () => {
  await pool.close();
});
afterEach(async () => {
  await fx?.dispose();
  fx = undefined;
});

describe('runFactoryBatch with station threads', () => {
  it('provisions every chip; a second run re-checks each over framed commands and skips it', async () => {
    fx = await factoryFixture(10);
    const deps = { ...fx.deps, stationPool: pool };
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: 10, se: fx.se, stations: 4, batchId: 't1' };
    const report = await runFactoryBatch(deps, options);
    expect(report).toMatchObject({ total: 10, done: 10, skipped: 0, quarantined: 0, revoked: 0 });
    expect(await verifyManifest(report.manifestPath, { trustRoot: fx.h.root.certificateDer! })).toMatchObject({
      ok: true,
      count: 10,
    });
    const certs = await fx.deviceCertificates();
    expect(
      certs
        .filter((c) => c.status === 'valid')
        .map((c) => c.chipSerial)
        .sort(),
    ).toEqual(fx.serials);
    // Each chip's image (written by its station thread) locked and holding the recorded chain.
    const { compiled } = await prepareBatchChain(fx.t.store, fx.h.issuing.id, 'sensor-1');
    for (const serial of fx.serials) {
      const element = (await openTrayChip(fx.tray, serial)).element();
      const { info, rebuilt } = await rebuildChainOfChip(element, compiled);
      expect(info.dataLocked).toBe(true);
      expect(Buffer.compare(rebuilt.device, certs.find((c) => c.chipSerial === serial)!.der!)).toBe(0);
    }
    const again = await runFactoryBatch(deps, options);
    expect(again).toMatchObject({ total: 10, done: 0, skipped: 10, quarantined: 0 });
    // And again: the threads serve each run's chips from that run's source (nothing stale kept).
    expect(await runFactoryBatch(deps, options)).toMatchObject({ total: 10, done: 0, skipped: 10, quarantined: 0 });
    expect(await fx.deviceCertificates()).toHaveLength(10);
  });

  it('starts and stops threads of its own with `threads`', async () => {
    fx = await factoryFixture(3);
    const progress: FactoryProgress[] = [];
    const report = await runFactoryBatch(fx.deps, {
      caId: fx.h.issuing.id,
      productId: 'sensor-1',
      count: 3,
      se: fx.se,
      threads: 1,
      onProgress: (p) => progress.push(p),
    });
    expect(report).toMatchObject({ total: 3, done: 3, quarantined: 0 });
    // Phase C runs behind the next chunk's phases A and B: the last progress still counts every chip.
    expect(progress.at(-1)).toMatchObject({ done: 3, skipped: 0, total: 3, etaSeconds: 0 });
    await expect(
      runFactoryBatch(fx.deps, { caId: fx.h.issuing.id, productId: 'sensor-1', count: 3, se: fx.se, threads: -1 }),
    ).rejects.toMatchObject({ code: 'ERR_FACTORY_BAD_INPUT' });
  });

  it('quarantines a chip that fails on its station thread, revokes its certificate, and goes on', async () => {
    fx = await factoryFixture(7);
    const [writeFails, badSignature, lockFails, silent, wrongKey] = fx.serials;
    await fx.fault(writeFails!, { operation: 'write', effect: 'fail' });
    await fx.fault(badSignature!, { operation: 'sign', effect: 'corrupt' });
    await fx.fault(lockFails!, { operation: 'lock', effect: 'fail' });
    await fx.fault(silent!, { operation: 'any', effect: 'silent' });
    await fx.fault(wrongKey!, { operation: 'genKey', effect: 'corrupt', count: 1 });
    const report = await runFactoryBatch(
      { ...fx.deps, stationPool: pool },
      { caId: fx.h.issuing.id, productId: 'sensor-1', count: 7, se: fx.se, stations: 4 },
    );
    expect(report).toMatchObject({ total: 7, done: 2, quarantined: 5, revoked: 4 });
    expect(Object.fromEntries(report.quarantine.map((q) => [q.chipSerial, q.code]))).toEqual({
      [writeFails!]: 'ERR_SE_EXECUTION_FAILED',
      [badSignature!]: 'ERR_FACTORY_CHALLENGE_FAILED',
      [lockFails!]: 'ERR_SE_EXECUTION_FAILED',
      [silent!]: 'ERR_SE_NOT_RESPONDING',
      [wrongKey!]: 'ERR_FACTORY_CHALLENGE_FAILED',
    });
    const certs = await fx.deviceCertificates();
    expect(
      certs
        .filter((c) => c.status === 'valid')
        .map((c) => c.chipSerial)
        .sort(),
    ).toEqual(fx.serials.slice(5));
    expect(await verifyManifest(report.manifestPath, { trustRoot: fx.h.root.certificateDer! })).toMatchObject({
      ok: true,
      count: 2,
    });
  });

  it('a station thread that stops fails the chips it held in flight cleanly; a new thread takes the rest', async () => {
    fx = await factoryFixture(40);
    let stopped = false;
    const deps = {
      ...fx.deps,
      stationPool: pool,
      chunkSize: 8,
      crashAt: (point: string) => {
        // The first chunk's certificates are journalled; its chips are about to go to their threads.
        if (point === 'after-issued-journal' && !stopped) {
          stopped = true;
          void pool.stopThread(0);
        }
      },
    };
    const report = await runFactoryBatch(deps, {
      caId: fx.h.issuing.id,
      productId: 'sensor-1',
      count: 32,
      se: fx.se,
      batchId: 'stop',
    });
    // The first chunk's chips on the stopped thread failed (and maybe those of the next two chunks,
    // sent to it before it was found stopped: the next chunk's phase C and the one after's keys
    // overlap the first's); every other chip is done.
    const inFlight = fx.serials.slice(0, 8).filter((s) => pool.indexOf(s) === 0);
    expect(inFlight.length).toBeGreaterThan(0);
    const quarantined = report.quarantine.map((q) => q.chipSerial).sort();
    expect(quarantined).toEqual(expect.arrayContaining(inFlight));
    expect(quarantined.every((s) => pool.indexOf(s) === 0)).toBe(true);
    expect(report.quarantine.every((q) => q.code === 'ERR_SE_TRANSPORT')).toBe(true);
    expect(report.done).toBe(32 - quarantined.length);
    // The fourth chunk went to the replaced thread: all done.
    expect(fx.serials.slice(24, 32).some((s) => quarantined.includes(s))).toBe(false);
    // Every certificate issued is valid and in the manifest, or revoked (those of the chips in flight).
    const certs = await fx.deviceCertificates();
    const revoked = certs.filter((c) => c.status === 'revoked').map((c) => c.chipSerial!);
    expect(revoked.sort()).toEqual(expect.arrayContaining(inFlight));
    expect(revoked.every((s) => quarantined.includes(s))).toBe(true);
    expect(report.revoked).toBe(revoked.length);
    expect(certs.filter((c) => c.status === 'valid')).toHaveLength(report.done);
    expect(await verifyManifest(report.manifestPath, { trustRoot: fx.h.root.certificateDer! })).toMatchObject({
      ok: true,
      count: report.done,
    });
    // The pool goes on with its replaced thread.
    const next = await runFactoryBatch(
      { ...fx.deps, stationPool: pool },
      { caId: fx.h.issuing.id, productId: 'sensor-1', count: 8, se: fx.se, batchId: 'after' },
    );
    expect(next).toMatchObject({ total: 8, done: 8, quarantined: 0 });
  });
});
