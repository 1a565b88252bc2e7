import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { fail, KeylineError, systemClock, type Clock } from '@keyline/core';
import type { Store } from '../ca/store-port.js';
import { translateDatabaseError } from './errors.js';
import { KyselyStore } from './kysely-store.js';
import {
  postgresDatabaseName,
  resolveStoreLocation,
  type Environment,
  type StoreLocation,
  type StoreLocationOptions,
} from './location.js';
import { FIRST_MIGRATION, InCodeMigrationProvider, migrationsFor } from './migrations/index.js';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, type Database } from './schema.js';
import { CachingSqliteDialect } from './sqlite-dialect.js';

/**
 * SQLite's `synchronous` setting in WAL mode (docs/storage.md, "Durability"):
 * - `normal` (the default): a commit is in the WAL file when it returns and survives the
 *   process crashing; the WAL is fsynced at checkpoints, so a power cut or an OS crash can lose
 *   the last transactions (never corrupting the file). No fsync per commit: thousands of
 *   issuances per second.
 * - `full`: each commit is fsynced, surviving power loss too, at one fsync per transaction
 *   (milliseconds on ordinary disks: about a hundred transactions per second).
 */
export type SqliteSynchronous = 'normal' | 'full';

export interface StoreSettings {
  /** Where the environment is read from (KEYLINE_DATA, KEYLINE_DB, KEYLINE_SQLITE_SYNC); default process.env. */
  readonly env?: Environment;
  /** Used only where the port lets a time be left out (NewCa.createdAt); default the system clock. */
  readonly clock?: Clock;
  /** SQLite durability; default KEYLINE_SQLITE_SYNC or `normal`. */
  readonly sqliteSynchronous?: SqliteSynchronous;
  /** How long a SQLite writer waits for another process's lock before ERR_STORE_UNAVAILABLE; default 5000 ms. */
  readonly sqliteBusyTimeoutMs?: number;
  /** PostgreSQL connection pool size; default 10. */
  readonly poolSize?: number;
}

/** A store made by initStore; `created` tells whether the schema was made just now. */
export type InitialisedStore = Store & { readonly created: boolean };

function isLocation(target: StoreLocation | StoreLocationOptions): target is StoreLocation {
  return 'engine' in target && 'url' in target && 'sqlitePath' in target;
}

function locate(target: StoreLocation | StoreLocationOptions, settings: StoreSettings): StoreLocation {
  return isLocation(target) ? target : resolveStoreLocation(target, settings.env ?? process.env);
}

/**
 * Opens an existing store: the database must exist and carry Keyline's schema, else
 * ERR_STORE_NOT_INITIALISED ("run keyline init"). Migrations added since the database was made
 * are applied; a database migrated by a newer Keyline is ERR_STORE_NEWER_SCHEMA. An unreachable
 * or unreadable database is ERR_STORE_UNAVAILABLE.
 *
 * `target` is a resolved StoreLocation or the options resolveStoreLocation takes
 * (`{ dataDir?, dbUrl? }`, or `{ data?, db? }` as the CLI flags are named).
 */
export async function openStore(
  target: StoreLocation | StoreLocationOptions = {},
  settings: StoreSettings = {},
): Promise<Store> {
  const location = locate(target, settings);
  const { kysely, sqlite } = await connect(location, settings, false);
  try {
    const state = await migrationState(kysely);
    if (state.executed.length === 0) {
      fail(
        'ERR_STORE_NOT_INITIALISED',
        `${location.displayUrl} has no Keyline schema: run keyline init (with the same --data/--db)`,
        { url: location.displayUrl },
      );
    }
    if (state.pending) await migrate(kysely, location);
    return KyselyStore.create(kysely, location.engine, settings.clock ?? systemClock, sqlite);
  } catch (error) {
    await kysely.destroy().catch(() => undefined);
    throw translateDatabaseError(error);
  }
}

/**
 * Creates what is missing and opens the store: the data directory (mode 0700: it holds keys),
 * the SQLite file or the PostgreSQL database (created through the server's `postgres` database
 * when the URL names one that does not exist), and the schema. Safe to call on an initialised
 * store (then `created` is false).
 */
export async function initStore(
  target: StoreLocation | StoreLocationOptions = {},
  settings: StoreSettings = {},
): Promise<InitialisedStore> {
  const location = locate(target, settings);
  try {
    mkdirSync(location.dataDir, { recursive: true, mode: 0o700 });
    if (location.sqlitePath !== null) mkdirSync(dirname(location.sqlitePath), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new KeylineError(
      'ERR_STORE_UNAVAILABLE',
      `cannot create ${location.dataDir}: ${(error as Error).message}`,
      { dataDir: location.dataDir },
      { cause: error },
    );
  }
  if (location.engine === 'postgres') await createPostgresDatabase(location);
  const { kysely, sqlite } = await connect(location, settings, true);
  try {
    const before = await migrationState(kysely);
    if (before.executed.length === 0 || before.pending) await migrate(kysely, location);
    const store = KyselyStore.create(kysely, location.engine, settings.clock ?? systemClock, sqlite);
    const created = before.executed.length === 0;
    return Object.assign(store, { created }) as InitialisedStore;
  } catch (error) {
    await kysely.destroy().catch(() => undefined);
    throw translateDatabaseError(error);
  }
}

interface Connection {
  readonly kysely: Kysely<Database>;
  /** The SQLite dialect, for its direct execution path; null for PostgreSQL. */
  readonly sqlite: CachingSqliteDialect | null;
}

async function connect(location: StoreLocation, settings: StoreSettings, create: boolean): Promise<Connection> {
  if (location.engine === 'sqlite') return connectSqlite(location, settings, create);
  return { kysely: await connectPostgres(location, settings), sqlite: null };
}

function connectSqlite(location: StoreLocation, settings: StoreSettings, create: boolean): Connection {
  const path = location.sqlitePath;
  if (!create && path !== null && !existsSync(path)) {
    fail('ERR_STORE_NOT_INITIALISED', `there is no database at ${path}: run keyline init (with the same --data/--db)`, {
      path,
    });
  }
  const synchronous = sqliteSynchronous(settings);
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(path ?? ':memory:', { fileMustExist: !create && path !== null });
    // WAL: readers never block the writer nor the writer readers (the server answers OCSP while
    // the CLI issues), and a commit appends to one file instead of rewriting pages twice.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // A certificate's row writes a leaf page in each index keyed by a random value (serial,
    // device id, chip serial). A 64 MiB page cache keeps those indexes in memory instead of
    // re-reading leaves from the OS (the default is 2 MiB), and checkpointing every 8192 WAL
    // pages (32 MiB; the default is 1000) copies a leaf page rewritten by many commits back to
    // the database once. Neither changes what a commit guarantees (docs/storage.md, "Durability").
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 8192');
    // SQLite leaves foreign keys off unless asked, per connection.
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(settings.sqliteBusyTimeoutMs ?? 5000))}`);
  } catch (error) {
    db?.close();
    const translated = translateDatabaseError(error);
    if (translated instanceof KeylineError) {
      throw new KeylineError(
        translated.code,
        `cannot open the SQLite database ${path ?? ':memory:'}: ${(error as Error).message}`,
        { path },
        { cause: error },
      );
    }
    throw translated;
  }
  const dialect = new CachingSqliteDialect(db);
  return { kysely: new Kysely<Database>({ dialect }), sqlite: dialect };
}

function sqliteSynchronous(settings: StoreSettings): SqliteSynchronous {
  const value = settings.sqliteSynchronous ?? (settings.env ?? process.env)['KEYLINE_SQLITE_SYNC'] ?? 'normal';
  const lower = value.toLowerCase();
  if (lower !== 'normal' && lower !== 'full') {
    fail('ERR_STORE_BAD_SETTING', `KEYLINE_SQLITE_SYNC is "${value}": use normal or full`);
  }
  return lower;
}

async function connectPostgres(location: StoreLocation, settings: StoreSettings): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString: location.url,
    max: settings.poolSize ?? 10,
    application_name: 'keyline',
  });
  // An idle connection the server drops must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw postgresConnectError(error, location);
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

function postgresConnectError(error: unknown, location: StoreLocation): unknown {
  if ((error as { code?: unknown }).code === '3D000') {
    return new KeylineError(
      'ERR_STORE_NOT_INITIALISED',
      `the database ${postgresDatabaseName(location.url)} does not exist on ${location.displayUrl}: run keyline init --db <url>`,
      { url: location.displayUrl },
      { cause: error },
    );
  }
  const translated = translateDatabaseError(error);
  if (translated instanceof KeylineError) {
    return new KeylineError(
      translated.code,
      `cannot connect to ${location.displayUrl}: ${(error as Error).message}`,
      { url: location.displayUrl },
      { cause: error },
    );
  }
  return translated;
}

/** CREATE DATABASE when the URL's database does not exist (initStore only). */
async function createPostgresDatabase(location: StoreLocation): Promise<void> {
  const probe = new pg.Client({ connectionString: location.url, application_name: 'keyline' });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== '3D000') throw postgresConnectError(error, location);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const name = postgresDatabaseName(location.url);
  const maintenance = new URL(location.url);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString(), application_name: 'keyline' });
  try {
    await admin.connect();
    await admin.query(`create database ${quoteIdentifier(name)}`);
  } catch (error) {
    // Another `init` made it meanwhile: fine.
    if ((error as { code?: unknown }).code !== '42P04') throw postgresConnectError(error, location);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface MigrationState {
  /** Names of the migrations the database has run. */
  readonly executed: readonly string[];
  /** Whether migrations we know are still to run. */
  readonly pending: boolean;
}

/** Reads the migration table directly (cheaper than Kysely's introspection on every open). */
async function migrationState(kysely: Kysely<Database>): Promise<MigrationState> {
  let executed: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(kysely);
    executed = rows.map((r) => r.name);
  } catch (error) {
    if (isMissingTable(error)) return { executed: [], pending: true };
    throw error;
  }
  const known = Object.keys(migrationsFor('sqlite'));
  const unknown = executed.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    fail('ERR_STORE_NEWER_SCHEMA', `the database has migrations this Keyline does not know: ${unknown.join(', ')}`, {
      unknown,
    });
  }
  if (executed.length > 0 && !executed.includes(FIRST_MIGRATION)) {
    fail('ERR_STORE_UNAVAILABLE', 'the migration table is inconsistent: restore the database from a backup');
  }
  return { executed, pending: known.some((name) => !executed.includes(name)) };
}

function isMissingTable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  if (e.code === '42P01') return true; // PostgreSQL undefined_table
  return e.code === 'SQLITE_ERROR' && typeof e.message === 'string' && e.message.startsWith('no such table');
}

async function migrate(kysely: Kysely<Database>, location: StoreLocation): Promise<void> {
  const migrator = new Migrator({
    db: kysely,
    provider: new InCodeMigrationProvider(location.engine),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}
