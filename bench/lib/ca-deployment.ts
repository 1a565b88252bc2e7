/**
 * A real Keyline deployment in a temporary data directory for the service benchmarks: the SQLite
 * store (`initStore`), encrypted file keys (`createKeyProvider` with a static passphrase) and the CA
 * core (`createCertificateAuthority`), with a root, a manufacturer CA `acme` and an issuing CA for
 * product `sensor-1`. `close()` closes everything and deletes the directory.
 *
 * With `postgresAdminUrl` (a maintenance-database URL such as postgres://postgres@127.0.0.1:5432/postgres)
 * the store is a fresh PostgreSQL database `keyline_bench_<random>` on that server instead, dropped
 * by `close()`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemRandom, type Clock } from '@keyline/core';
import pg from 'pg';
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

/** The URL of database `name` on the server of `adminUrl`. */
function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a benchmark database (its connections closed first by `with (force)`). */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

export async function makeDeployment(
  prefix: string,
  options: { readonly postgresAdminUrl?: string } = {},
): Promise<BenchDeployment> {
  const dir = mkdtempSync(join(tmpdir(), `keyline-bench-${prefix}-`));
  const admin = options.postgresAdminUrl;
  const database = admin === undefined ? undefined : `keyline_bench_${randomBytes(6).toString('hex')}`;
  const cleanUp = async (): Promise<void> => {
    rmSync(dir, { recursive: true, force: true });
    if (database !== undefined) await dropDatabase(admin!, database);
  };
  try {
    const clock: Clock = { now: () => new Date() };
    const location = database === undefined ? { dataDir: dir } : { dataDir: dir, dbUrl: databaseUrl(admin!, database) };
    const store = await initStore(location, { env: {}, clock });
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
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp().catch(() => undefined);
    throw error;
  }
}
