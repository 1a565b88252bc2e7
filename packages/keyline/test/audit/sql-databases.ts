import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Store } from '../../src/ca/store-port.js';
import { initStore } from '../../src/store/index.js';
import type { AuditRow } from './memory-audit-repository.js';
import type { Tamperer } from './tamper-cases.js';

/** Direct SQL against the database a store uses, bypassing the store: what an intruder does. */
interface Sql {
  run(statement: string, params?: readonly unknown[]): Promise<void>;
  rows(statement: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface AuditDatabase {
  readonly engine: 'sqlite' | 'postgres';
  readonly store: Store;
  readonly tamperer: Tamperer;
  /** The SQLite file (SQLite only). */
  readonly sqlitePath?: string;
  /** Deletes every audit row (between cases). */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

const COLUMNS: Readonly<Record<keyof AuditRow, string>> = {
  seq: 'seq',
  at: 'at',
  actor: 'actor',
  action: 'action',
  target: 'target',
  details: 'details',
  prevHash: 'prev_hash',
  hash: 'hash',
};

function sqlTamperer(sql: Sql): Tamperer {
  const get = async (seq: number): Promise<AuditRow> => {
    const [row] = await sql.rows('SELECT * FROM audit_log WHERE seq = ?', [seq]);
    if (row === undefined) throw new Error(`no audit row ${seq}`);
    return {
      seq: Number(row.seq),
      at: String(row.at),
      actor: String(row.actor),
      action: String(row.action),
      target: String(row.target),
      details: String(row.details),
      prevHash: String(row.prev_hash),
      hash: String(row.hash),
    };
  };
  return {
    get,
    async update(seq, set) {
      const keys = Object.keys(set) as (keyof AuditRow)[];
      if (keys.length === 0) return;
      await sql.run(`UPDATE audit_log SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE seq = ?`, [
        ...keys.map((k) => set[k]),
        seq,
      ]);
    },
    async remove(seq) {
      await sql.run('DELETE FROM audit_log WHERE seq = ?', [seq]);
    },
    async insert(row) {
      await sql.run(
        'INSERT INTO audit_log (seq, at, actor, action, target, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [row.seq, row.at, row.actor, row.action, row.target, row.details, row.prevHash, row.hash],
      );
    },
    async shift(from, by) {
      // Through negative values, so the primary key never sees two rows with one seq.
      await sql.run('UPDATE audit_log SET seq = -(seq + ?) WHERE seq >= ?', [by, from]);
      await sql.run('UPDATE audit_log SET seq = -seq WHERE seq < 0');
    },
    async swap(a, b) {
      await sql.run('UPDATE audit_log SET seq = -1 WHERE seq = ?', [a]);
      await sql.run('UPDATE audit_log SET seq = ? WHERE seq = ?', [a, b]);
      await sql.run('UPDATE audit_log SET seq = ? WHERE seq = -1', [b]);
    },
  };
}

/** A fresh SQLite database (a file in a temporary data directory) with Keyline's schema. */
export async function sqliteAuditDatabase(): Promise<AuditDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyline-audit-sqlite-'));
  const store = await initStore({ dataDir });
  const db = new BetterSqlite3(join(dataDir, 'keyline.db'));
  const sql: Sql = {
    run: async (statement, params = []) => void db.prepare(statement).run(...params),
    rows: async (statement, params = []) => db.prepare(statement).all(...params) as Record<string, unknown>[],
    close: async () => void db.close(),
  };
  return {
    engine: 'sqlite',
    store,
    sqlitePath: join(dataDir, 'keyline.db'),
    tamperer: sqlTamperer(sql),
    reset: () => sql.run('DELETE FROM audit_log'),
    async dispose() {
      await sql.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The PostgreSQL server tests use: KEYLINE_TEST_PG_URL, or the local one (trust auth). */
export const POSTGRES_SERVER = process.env.KEYLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a PostgreSQL server answers; with KEYLINE_REQUIRE_SERVICES=1 a missing one is an error. */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.KEYLINE_REQUIRE_SERVICES === '1') {
      throw new Error(`PostgreSQL is required (KEYLINE_REQUIRE_SERVICES=1) but ${POSTGRES_SERVER} does not answer`, {
        cause: error,
      });
    }
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh PostgreSQL database with Keyline's schema, dropped by dispose(). */
export async function postgresAuditDatabase(): Promise<AuditDatabase> {
  const name = `keyline_audit_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(POSTGRES_SERVER, name);
  const dataDir = mkdtempSync(join(tmpdir(), 'keyline-audit-pg-'));
  const store = await initStore({ dataDir, dbUrl: url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const numbered = (statement: string) => {
    let n = 0;
    return statement.replace(/\?/g, () => `$${++n}`);
  };
  const sql: Sql = {
    run: async (statement, params = []) => void (await client.query(numbered(statement), [...params])),
    rows: async (statement, params = []) =>
      (await client.query(numbered(statement), [...params])).rows as Record<string, unknown>[],
    close: () => client.end(),
  };
  return {
    engine: 'postgres',
    store,
    tamperer: sqlTamperer(sql),
    reset: () => sql.run('DELETE FROM audit_log'),
    async dispose() {
      await sql.close();
      await store.close();
      const admin = new pg.Client({ connectionString: POSTGRES_SERVER });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
