import { readFileSync } from 'node:fs';
import { openTrayChip } from '@keyline/se';
import { afterEach, describe, expect, it } from 'vitest';
import { runFactoryBatch, type FactoryCrashPoint, type FactoryReport } from '../../src/factory/index.js';
import { verifyManifest } from '../../src/manifest/index.js';
import type { Store } from '../../src/ca/store-port.js';
import { factoryFixture, type FactoryFixture } from './support.js';

class Crash extends Error {}

const BROKEN = new Set(['markValidMany', 'markValid', 'markFailed']);

/** A store whose certificate repository refuses the cycle's last step (and its clean-up) while `armed()`. */
function breakingStore(inner: Store, armed: () => boolean): Store {
  const wrap = (store: Store): Store =>
    new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'transaction') {
          return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'certificates') return value;
        return new Proxy(value as object, {
          get(repo, name) {
            const method = Reflect.get(repo, name, repo) as unknown;
            if (typeof method !== 'function') return method;
            return (...args: unknown[]) => {
              if (armed() && BROKEN.has(String(name))) throw new Error(`simulated failure of ${String(name)}`);
              return (method as (...a: unknown[]) => unknown).apply(repo, args);
            };
          },
        });
      },
    });
  return wrap(inner);
}

let fx: FactoryFixture | undefined;
afterEach(async () => {
  await fx?.dispose();
  fx = undefined;
});

const COUNT = 6;

/**
 * What must hold after any sequence of crashes and resumes (issue 4, section 4): every chip done
 * exactly once, locked, with one valid certificate that is in the manifest; every other certificate
 * the CA made for the batch revoked or failed; no serial twice; the manifest verifies.
 */
async function expectIntact(f: FactoryFixture, report: FactoryReport): Promise<void> {
  expect(report.total).toBe(COUNT);
  expect(report.quarantined).toBe(0);
  expect(report.done + report.skipped).toBe(COUNT);
  const certs = await f.deviceCertificates();
  const valid = certs.filter((c) => c.status === 'valid');
  expect(valid.map((c) => c.chipSerial).sort()).toEqual(f.serials);
  for (const c of certs.filter((c) => c.status !== 'valid')) expect(['revoked', 'failed']).toContain(c.status);
  expect(new Set(certs.map((c) => c.serialHex)).size).toBe(certs.length);
  const lines = readFileSync(report.manifestPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const inManifest = new Set(lines.filter((l) => l.type === 'device').map((l) => l.certificate as string));
  expect(inManifest.size).toBe(COUNT);
  for (const c of valid) expect(inManifest.has(Buffer.from(c.der!).toString('base64'))).toBe(true);
  expect(await verifyManifest(report.manifestPath, { trustRoot: f.h.root.certificateDer! })).toMatchObject({
    ok: true,
    count: COUNT,
  });
  for (const serial of f.serials) {
    const element = (await openTrayChip(f.tray, serial)).element();
    expect((await element.info()).dataLocked).toBe(true);
    const cert = valid.find((c) => c.chipSerial === serial)!;
    // The chip's key is the valid certificate's key.
    const point = await element.getPublicKey(0);
    expect(Buffer.from(cert.der!).includes(Buffer.from(point))).toBe(true);
  }
}

const POINTS: readonly FactoryCrashPoint[] = [
  'after-claim',
  'after-key',
  'after-key-journal',
  'before-issue',
  'after-issue',
  'after-issued-journal',
  'after-write',
  'after-lock',
  'after-check',
  'after-done-journal',
  'before-manifest',
];

describe('a crash at any step resumes to the same result', () => {
  for (const point of POINTS) {
    it(`crash ${point}`, async () => {
      let armed = true;
      let seen = 0;
      fx = await factoryFixture(COUNT, {
        deps: {
          chunkSize: 4,
          crashAt: (at) => {
            // Per-chip points crash at their second chip; batch points at once.
            if (
              armed &&
              at === point &&
              ++seen >= (['after-key', 'after-write', 'after-lock', 'after-check'].includes(at) ? 2 : 1)
            ) {
              armed = false;
              throw new Crash(`crash ${at}`);
            }
          },
        },
      });
      const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: COUNT, se: fx.se, stations: 2 };
      await expect(runFactoryBatch(fx.deps, options)).rejects.toBeInstanceOf(Crash);
      expect(armed).toBe(false);
      const report = await runFactoryBatch(fx.deps, options);
      await expectIntact(fx, report);
      // Crashes before the CA answered leave no revocation; none of these re-makes a key with a valid certificate.
      expect(report.revoked).toBe(0);
    });
  }

  it('crashes at every point in turn, resuming after each', async () => {
    const pending = [...POINTS];
    fx = await factoryFixture(COUNT, {
      deps: {
        chunkSize: 2,
        crashAt: (at) => {
          if (pending[0] === at) {
            pending.shift();
            throw new Crash(at);
          }
        },
      },
    });
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: COUNT, se: fx.se, stations: 3 };
    let report: FactoryReport | undefined;
    for (let i = 0; i < 40 && report === undefined; i++) {
      report = await runFactoryBatch(fx.deps, options).catch((error: unknown) => {
        if (!(error instanceof Crash)) throw error;
        return undefined;
      });
    }
    expect(report).toBeDefined();
    await expectIntact(fx, report!);
  });

  it('a key made again before the lock revokes the first certificate (superseded), recorded in the journal', async () => {
    let crashed = false;
    fx = await factoryFixture(COUNT, {
      deps: {
        crashAt: (at) => {
          if (!crashed && at === 'after-issue') {
            crashed = true;
            throw new Crash(at);
          }
        },
      },
    });
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: COUNT, se: fx.se, batchId: 'sup' };
    await expect(runFactoryBatch(fx.deps, options)).rejects.toBeInstanceOf(Crash);
    // Something made a new key in one chip before its certificate was written (a retried station, an operator).
    const victim = fx.serials[1]!;
    await (await openTrayChip(fx.tray, victim)).element().generateKey(0);
    const report = await runFactoryBatch(fx.deps, options);
    await expectIntact(fx, report);
    expect(report.revoked).toBe(1);
    const certs = (await fx.deviceCertificates()).filter((c) => c.chipSerial === victim);
    expect(certs.map((c) => c.status).sort()).toEqual(['revoked', 'valid']);
    expect(certs.find((c) => c.status === 'revoked')!.revocationReason).toBe('superseded');
    const journal = await fx.t.store.factory.listRevocations('sup');
    expect(journal).toMatchObject([{ chipSerial: victim, reason: 'superseded' }]);
    expect(journal[0]!.revokedAt).not.toBeNull();
    const [entry] = await fx.t.store.factory.findChips([victim]);
    expect(entry).toMatchObject({ state: 'done', attempt: 2 });
  });

  it('a crash inside the issuance cycle (records left signing) is recovered: those serials fail, the chips get new keys', async () => {
    // The store fails the cycle's last step and the cycle's own clean-up, as a process dying there would.
    let armed = false;
    fx = await factoryFixture(COUNT, { wrap: (inner) => breakingStore(inner, () => armed) });
    armed = true;
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: COUNT, se: fx.se };
    await expect(runFactoryBatch(fx.deps, options)).rejects.toThrow(/simulated failure/);
    expect((await fx.t.store.certificates.listUnfinished()).length).toBe(COUNT);
    armed = false;
    const report = await runFactoryBatch(fx.deps, options);
    await expectIntact(fx, report);
    const certs = await fx.deviceCertificates();
    expect(certs.filter((c) => c.status === 'failed')).toHaveLength(COUNT);
    expect(await fx.t.store.certificates.listUnfinished()).toEqual([]);
  });

  it("recovers only its own batch's records: another process's cycle in flight on the same store is left alone", async () => {
    let armed = false;
    fx = await factoryFixture(COUNT, { wrap: (inner) => breakingStore(inner, () => armed) });
    armed = true;
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: COUNT, se: fx.se };
    await expect(runFactoryBatch(fx.deps, options)).rejects.toThrow(/simulated failure/);
    armed = false;
    // Another issuer at the same CA mid-cycle (EST enrolment on the server): reserved, then signing.
    const store = fx.t.store.certificates;
    const other = await store.reserve({
      id: 'other-process-cert',
      caId: fx.h.issuing.id,
      serialHex: '7a11ce5e7a11ce5e7a11ce5e7a11ce5e',
      profile: 'ldevid',
      subject: 'CN=not this batch',
      requestId: 'another-line-request',
      at: new Date(),
    });
    await store.markSigning(other.id, new Uint8Array([0x30, 0x00]), new Date(), new Date(), new Date());

    const report = await runFactoryBatch(fx.deps, options);
    await expectIntact(fx, report);
    const unfinished = await store.listUnfinished();
    expect(unfinished.map((r) => r.id)).toEqual(['other-process-cert']);
    expect(unfinished[0]!.status).toBe('signing');
    expect((await fx.deviceCertificates()).filter((c) => c.status === 'failed')).toHaveLength(COUNT);
  });
});
