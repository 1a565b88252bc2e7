/**
 * A real Keyline deployment in a temporary data directory for the service benchmarks: the SQLite
 * store (`initStore`), encrypted file keys (`createKeyProvider` with a static passphrase) and the CA
 * core (`createCertificateAuthority`), with a root, a manufacturer CA `acme` and an issuing CA for
 * product `sensor-1`. `close()` closes everything and deletes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemRandom, type Clock } from '@keyline/core';
import { createCertificateAuthority, type CertificateAuthority } from '../../packages/keyline/src/ca/index.js';
import { CLI_ACTOR } from '../../packages/keyline/src/ca/service-port.js';
import type { CaRecord } from '../../packages/keyline/src/ca/records.js';
import type { Store } from '../../packages/keyline/src/ca/store-port.js';
import { createKeyProvider, staticPassphrase } from '../../packages/keyline/src/keys/index.js';
import { initStore } from '../../packages/keyline/src/store/index.js';

export const BENCH_PASSPHRASE = 'keyline-bench-passphrase';

export interface BenchDeployment {
  readonly dir: string;
  readonly store: Store;
  readonly ca: CertificateAuthority;
  readonly clock: Clock;
  readonly root: CaRecord;
  readonly manufacturer: CaRecord;
  readonly issuing: CaRecord;
  close(): Promise<void>;
}

export async function makeDeployment(prefix: string): Promise<BenchDeployment> {
  const dir = mkdtempSync(join(tmpdir(), `keyline-bench-${prefix}-`));
  try {
    const clock: Clock = { now: () => new Date() };
    const store = await initStore({ dataDir: dir }, { env: {}, clock });
    const keys = createKeyProvider({ dataDir: dir, passphrase: staticPassphrase(BENCH_PASSPHRASE), env: {} });
    const ca = createCertificateAuthority({ store, keys, clock, random: systemRandom });
    const now = clock.now();
    await store.manufacturers.insert({ id: 'acme', name: 'Acme Devices', createdAt: now });
    const root = await ca.createRoot({ name: 'Bench Root', organization: 'Keyline Bench', label: 'root' }, CLI_ACTOR);
    const manufacturer = await ca.createCa(
      { parentId: root.id, name: 'Acme CA', kind: 'manufacturer', manufacturerId: 'acme', label: 'acme' },
      CLI_ACTOR,
    );
    const issuing = await ca.createCa(
      {
        parentId: manufacturer.id,
        name: 'Acme Line 1',
        kind: 'issuing',
        manufacturerId: 'acme',
        productId: 'sensor-1',
        label: 'line1',
        curve: 'P-256',
      },
      CLI_ACTOR,
    );
    return {
      dir,
      store,
      ca,
      clock,
      root,
      manufacturer,
      issuing,
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
