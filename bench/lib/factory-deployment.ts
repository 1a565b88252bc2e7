/**
 * A deployment for the factory benchmark: what lib/ca-deployment.ts makes (SQLite store, encrypted
 * file keys, the CA core; a root, a manufacturer CA `acme`, a P-256 issuing CA for product
 * `sensor-1`), plus the key provider and the other dependencies `runFactoryBatch` takes, and trays of
 * blank emulated chips made on demand in the same temporary directory. The CA service is wrapped so
 * that the time spent in `issueDevices` is counted (`caBusyMs`): the CA's share of a line's time.
 * `close()` closes everything and deletes the directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemRandom, type Clock } from '@keyline/core';
import { chipFileName, newChipState, randomSerialNumber } from '@keyline/se';
import { serializeImage } from '../../packages/se/src/emulator/image.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../packages/keyline/src/ca/index.js';
import { CLI_ACTOR } from '../../packages/keyline/src/ca/service-port.js';
import type { CaRecord } from '../../packages/keyline/src/ca/records.js';
import type { Store } from '../../packages/keyline/src/ca/store-port.js';
import type { FactoryDeps } from '../../packages/keyline/src/factory/index.js';
import { createKeyProvider, staticPassphrase } from '../../packages/keyline/src/keys/index.js';
import { initStore } from '../../packages/keyline/src/store/index.js';

const PASSPHRASE = 'keyline-bench-factory-passphrase';
export const FACTORY_PRODUCT = 'sensor-1';

export interface FactoryBenchDeployment {
  readonly dir: string;
  readonly store: Store;
  readonly issuing: CaRecord;
  /** What `runFactoryBatch` is given (its `ca` counts the time spent issuing). */
  readonly deps: FactoryDeps;
  /** Milliseconds spent inside the CA's `issueDevices` since the last `resetCaBusy()`. */
  caBusyMs(): number;
  resetCaBusy(): void;
  /**
   * A new tray of `count` blank chips, made outside any measurement; its directory. The images are
   * written without the fsyncs of `createTray` (a benchmark's trays need not survive a power loss, and
   * on a shared machine those fsyncs cost seconds).
   */
  makeTray(count: number): string;
  close(): Promise<void>;
}

/** Wraps the CA so that `issueDevices` calls are timed; every other member is the CA's own. */
function timedCa(ca: CertificateAuthority, busy: { ms: number }): CertificateAuthority {
  return new Proxy(ca, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'issueDevices' || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          busy.ms += performance.now() - start;
        }
      };
    },
  });
}

export async function makeFactoryDeployment(): Promise<FactoryBenchDeployment> {
  const dir = mkdtempSync(join(tmpdir(), 'keyline-bench-factory-'));
  try {
    const clock: Clock = { now: () => new Date() };
    const store = await initStore({ dataDir: join(dir, 'data') }, { env: {}, clock });
    const keys = createKeyProvider({ dataDir: join(dir, 'data'), passphrase: staticPassphrase(PASSPHRASE), env: {} });
    const ca = createCertificateAuthority({ store, keys, clock, random: systemRandom });
    await store.manufacturers.insert({ id: 'acme', name: 'Acme Devices', createdAt: clock.now() });
    const root = await ca.createRoot({ name: 'Bench Root', organization: 'Keyline Bench', label: 'root' }, CLI_ACTOR);
    const manufacturer = await ca.createCa(
      {
        parentId: root.id,
        name: 'Acme CA',
        kind: 'manufacturer',
        manufacturerId: 'acme',
        label: 'acme',
        curve: 'P-256',
      },
      CLI_ACTOR,
    );
    const issuing = await ca.createCa(
      {
        parentId: manufacturer.id,
        name: 'Acme Line 1',
        kind: 'issuing',
        manufacturerId: 'acme',
        productId: FACTORY_PRODUCT,
        label: 'line1',
        curve: 'P-256',
      },
      CLI_ACTOR,
    );
    const busy = { ms: 0 };
    let trays = 0;
    return {
      dir,
      store,
      issuing,
      deps: { ca: timedCa(ca, busy), store, keys, clock, random: systemRandom, dataDir: join(dir, 'data') },
      caBusyMs: () => busy.ms,
      resetCaBusy: () => {
        busy.ms = 0;
      },
      makeTray: (count) => {
        const trayDir = join(dir, `tray-${trays++}`);
        mkdirSync(trayDir, { recursive: true });
        const taken = new Set<string>();
        while (taken.size < count) {
          const serialNumber = randomSerialNumber('ATECC608A', systemRandom);
          const serialHex = Buffer.from(serialNumber).toString('hex');
          if (taken.has(serialHex)) continue;
          taken.add(serialHex);
          writeFileSync(
            join(trayDir, chipFileName(serialHex)),
            serializeImage(newChipState({ serialNumber }, systemRandom)),
          );
        }
        return trayDir;
      },
      close: async () => {
        ca.close();
        await keys.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
