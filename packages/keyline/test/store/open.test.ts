import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { isKeylineError } from '@keyline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { initStore, openStore, resolveStoreLocation } from '../../src/store/index.js';
import type { Store } from '../../src/ca/store-port.js';
import { probePostgres, SERVICES_REQUIRED, testDatabase } from './postgres-harness.js';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const root = mkdtempSync(join(tmpdir(), 'keyline-store-open-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    expect(error.code).toBe(code);
    return error;
  }
  throw new Error(`expected ${code}`);
}

const manufacturer = { id: 'aa01', name: 'Acme', createdAt: new Date('2025-01-01T00:00:00Z') };

describe('SQLite: initStore and openStore', () => {
  it('refuses to open a data directory without a database, creating nothing', async () => {
    const dataDir = freshDir();
    const error = await rejectsWith(openStore({ dataDir }, { env: {} }), 'ERR_STORE_NOT_INITIALISED');
    expect(error.message).toContain('keyline init');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('creates the directory (0700), the database in WAL mode and the schema, once', async () => {
    const dataDir = join(freshDir(), 'nested', 'data');
    const store = await initStore({ dataDir }, { env: {} });
    expect(store.created).toBe(true);
    expect(store.engine).toBe('sqlite');
    await store.manufacturers.insert(manufacturer);
    await store.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const file = join(dataDir, 'keyline.db');
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
      expect(tables).toEqual(
        expect.arrayContaining(['api_tokens', 'audit_log', 'cas', 'certificates', 'crls', 'manufacturers', 'products']),
      );
    } finally {
      raw.close();
    }

    const again = await initStore({ dataDir }, { env: {} });
    expect(again.created).toBe(false);
    expect(await again.manufacturers.get('aa01')).toEqual(manufacturer);
    await again.close();

    const reopened = await openStore({ dataDir }, { env: {} });
    expect(await reopened.manufacturers.list()).toEqual([manufacturer]);
    await reopened.close();
  });

  it('opens the location resolveStoreLocation gives, as the CLI passes it', async () => {
    const data = freshDir();
    const location = resolveStoreLocation({ data, db: `sqlite:${join(data, 'custom.db')}` }, {});
    await (await initStore(location)).close();
    expect(existsSync(join(data, 'custom.db'))).toBe(true);
    const store = await openStore(location);
    expect(await store.cas.list()).toEqual([]);
    await store.close();
    // The same through the environment.
    const viaEnv = await openStore({}, { env: { KEYLINE_DATA: data, KEYLINE_DB: join(data, 'custom.db') } });
    await viaEnv.close();
  });

  it('refuses a SQLite file without the Keyline schema, and a file that is not a database', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const other = join(dir, 'other.db');
    const raw = new BetterSqlite3(other);
    raw.exec('create table t (x)');
    raw.close();
    await rejectsWith(openStore({ dbUrl: other }, { env: {} }), 'ERR_STORE_NOT_INITIALISED');
    const junk = join(dir, 'junk.db');
    writeFileSync(
      junk,
      'this is not a database, just some text long enough to fill a header of a hundred bytes '.repeat(3),
    );
    await rejectsWith(openStore({ dbUrl: junk }, { env: {} }), 'ERR_STORE_UNAVAILABLE');
  });

  it('refuses a database migrated by a newer Keyline', async () => {
    const dataDir = freshDir();
    await (await initStore({ dataDir }, { env: {} })).close();
    const raw = new BetterSqlite3(join(dataDir, 'keyline.db'));
    raw.prepare('insert into keyline_migration (name, timestamp) values (?, ?)').run('9999-future', 'now');
    raw.close();
    await rejectsWith(openStore({ dataDir }, { env: {} }), 'ERR_STORE_NEWER_SCHEMA');
  });

  it('reports a directory it cannot create as ERR_STORE_UNAVAILABLE', async () => {
    // Under a regular file: refused even to root.
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'file'), 'x');
    await rejectsWith(initStore({ dataDir: join(dir, 'file', 'data') }, { env: {} }), 'ERR_STORE_UNAVAILABLE');
  });

  it('serves sqlite::memory: through initStore (tests of other parts)', async () => {
    const store = await initStore({ dataDir: freshDir(), dbUrl: 'sqlite::memory:' }, { env: {} });
    await store.manufacturers.insert(manufacturer);
    expect(await store.manufacturers.list()).toHaveLength(1);
    await store.close();
    await rejectsWith(openStore({ dbUrl: 'sqlite::memory:' }, { env: {} }), 'ERR_STORE_NOT_INITIALISED');
  });

  it('takes the durability setting from KEYLINE_SQLITE_SYNC and refuses other values', async () => {
    const dataDir = freshDir();
    const full = await initStore({ dataDir }, { env: { KEYLINE_SQLITE_SYNC: 'FULL' } });
    await full.manufacturers.insert(manufacturer);
    await full.close();
    await rejectsWith(openStore({ dataDir }, { env: { KEYLINE_SQLITE_SYNC: 'off' } }), 'ERR_STORE_BAD_SETTING');
  });

  /**
   * Another process holds SQLite's write lock for `ms` (better-sqlite3 waits synchronously, so
   * the holder must be another process, as the server and a CLI command are).
   */
  async function holdWriteLock(file: string, ms: number): Promise<{ done: Promise<number | null> }> {
    const script = `
      const db = new (require('better-sqlite3'))(process.argv[1]);
      db.exec('begin immediate');
      db.prepare("insert into manufacturers (id, name, created_at) values ('cc03', 'Holder', '2025-01-01T00:00:00.000Z')").run();
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('commit'); db.close(); }, Number(process.argv[2]));
    `;
    const child = spawn(process.execPath, ['-e', script, file, String(ms)], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
    return { done };
  }

  it("waits for another process's write transaction instead of failing (busy_timeout)", async () => {
    const dataDir = freshDir();
    const store = await initStore({ dataDir }, { env: {} });
    try {
      const holder = await holdWriteLock(join(dataDir, 'keyline.db'), 300);
      const started = performance.now();
      await store.manufacturers.insert(manufacturer);
      expect(performance.now() - started).toBeGreaterThan(100);
      expect(await holder.done).toBe(0);
      expect((await store.manufacturers.list()).map((m) => m.id)).toEqual(['aa01', 'cc03']);
    } finally {
      await store.close();
    }
  });

  it('reports a lock held longer than busy_timeout as ERR_STORE_UNAVAILABLE, changing nothing', async () => {
    const dataDir = freshDir();
    const store = await initStore({ dataDir }, { env: {}, sqliteBusyTimeoutMs: 50 });
    try {
      const holder = await holdWriteLock(join(dataDir, 'keyline.db'), 1000);
      await rejectsWith(store.manufacturers.insert(manufacturer), 'ERR_STORE_UNAVAILABLE');
      await rejectsWith(
        store.transaction((tx) => tx.manufacturers.insert(manufacturer)),
        'ERR_STORE_UNAVAILABLE',
      );
      expect(await holder.done).toBe(0);
      expect((await store.manufacturers.list()).map((m) => m.id)).toEqual(['cc03']);
    } finally {
      await store.close();
    }
  });
});

const probe = await probePostgres();

describe.skipIf(!probe.reachable && !SERVICES_REQUIRED)('PostgreSQL: initStore and openStore', () => {
  it('is reachable', () => {
    if (!probe.reachable) throw new Error(`PostgreSQL is not reachable: ${probe.reason}`);
  });

  it('refuses a database that does not exist, then initStore creates it with the schema', async () => {
    const db = await testDatabase(false);
    let store: Store | undefined;
    try {
      const error = await rejectsWith(openStore({ dbUrl: db.url }, { env: {} }), 'ERR_STORE_NOT_INITIALISED');
      expect(error.message).toContain(db.name);
      const made = await initStore({ dbUrl: db.url, dataDir: freshDir() }, { env: {} });
      expect(made.created).toBe(true);
      expect(made.engine).toBe('postgres');
      await made.manufacturers.insert(manufacturer);
      await made.close();
      const again = await initStore({ dbUrl: db.url, dataDir: freshDir() }, { env: {} });
      expect(again.created).toBe(false);
      await again.close();
      store = await openStore({ dbUrl: db.url }, { env: {} });
      expect(await store.manufacturers.list()).toEqual([manufacturer]);
    } finally {
      await store?.close();
      await db.drop();
    }
  });

  it('refuses an existing database without the Keyline schema', async () => {
    const db = await testDatabase(true);
    try {
      await rejectsWith(openStore({ dbUrl: db.url }, { env: {} }), 'ERR_STORE_NOT_INITIALISED');
    } finally {
      await db.drop();
    }
  });

  it('reports a server that does not answer as ERR_STORE_UNAVAILABLE, without the password', async () => {
    const error = await rejectsWith(
      openStore({ dbUrl: 'postgres://keyline:hunter2@127.0.0.1:1/keyline' }, { env: {} }),
      'ERR_STORE_UNAVAILABLE',
    );
    expect(error.message).not.toContain('hunter2');
  });
});
