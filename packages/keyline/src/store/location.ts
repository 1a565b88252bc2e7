import { isAbsolute, join, resolve } from 'node:path';
import { fail } from '@keyline/core';

export type StoreEngine = 'sqlite' | 'postgres';

/** The default data directory (issue 3, section 1), relative to the working directory. */
export const DEFAULT_DATA_DIR = './keyline-data';
/** The SQLite file inside the data directory when no database URL is given. */
export const DEFAULT_SQLITE_FILE = 'keyline.db';

/**
 * Where the store lives, resolved from options and environment. `url` is normalised:
 * `sqlite:<absolute path>`, `sqlite::memory:` or the PostgreSQL URL as given.
 */
export interface StoreLocation {
  /** Absolute path of the data directory (keys, the SQLite database by default). */
  readonly dataDir: string;
  readonly engine: StoreEngine;
  readonly url: string;
  /** For SQLite: the absolute path of the database file, or null for `sqlite::memory:`. */
  readonly sqlitePath: string | null;
  /** `url` with any password replaced by `***`, for messages and logs. */
  readonly displayUrl: string;
}

/**
 * What the CLI and the server know: `--data DIR` and `--db URL` (named `data`/`db` after the
 * flags, or `dataDir`/`dbUrl`). Empty strings count as absent.
 */
export interface StoreLocationOptions {
  readonly data?: string | undefined;
  readonly db?: string | undefined;
  /** Same as `data`. */
  readonly dataDir?: string | undefined;
  /** Same as `db`. */
  readonly dbUrl?: string | undefined;
  /** The directory relative paths are resolved against; default the process's working directory. */
  readonly cwd?: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Resolves the data directory (`--data`, then KEYLINE_DATA, then `./keyline-data`) and the
 * database (`--db`, then KEYLINE_DB, then `sqlite:<dataDir>/keyline.db`). Touches no file: opening
 * and creating are openStore's and initStore's. A URL of another scheme is ERR_STORE_BAD_URL.
 *
 * Accepted database URLs: `sqlite:<path>` (also `sqlite://<path>`, and `sqlite:///abs/path`),
 * `sqlite::memory:`, a bare file path, `postgres://…` and `postgresql://…`.
 */
export function resolveStoreLocation(
  options: StoreLocationOptions = {},
  env: Environment = process.env,
): StoreLocation {
  const cwd = options.cwd ?? process.cwd();
  const dataDir = resolve(
    cwd,
    present(options.data) ?? present(options.dataDir) ?? present(env['KEYLINE_DATA']) ?? DEFAULT_DATA_DIR,
  );
  const db = present(options.db) ?? present(options.dbUrl) ?? present(env['KEYLINE_DB']);
  if (db === undefined) return sqliteLocation(dataDir, join(dataDir, DEFAULT_SQLITE_FILE));
  return parseDatabaseUrl(db, dataDir, cwd);
}

function sqliteLocation(dataDir: string, path: string | null): StoreLocation {
  const url = path === null ? 'sqlite::memory:' : `sqlite:${path}`;
  return { dataDir, engine: 'sqlite', url, sqlitePath: path, displayUrl: url };
}

/** A URL scheme of two or more letters (one letter is a Windows drive, part of a path). */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

function parseDatabaseUrl(db: string, dataDir: string, cwd: string): StoreLocation {
  const scheme = SCHEME.exec(db)?.[1]?.toLowerCase();
  if (scheme === undefined) return sqliteLocation(dataDir, resolve(cwd, db));
  if (scheme === 'sqlite') {
    let path = db.slice('sqlite:'.length);
    if (path === ':memory:') return sqliteLocation(dataDir, null);
    // sqlite:///abs/path (URL style, empty authority) and sqlite://relative both name a path.
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') fail('ERR_STORE_BAD_URL', 'sqlite: needs a file path, as in sqlite:./keyline-data/keyline.db');
    return sqliteLocation(dataDir, isAbsolute(path) ? path : resolve(cwd, path));
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(db);
    } catch {
      fail('ERR_STORE_BAD_URL', 'the PostgreSQL URL does not parse: use postgres://user@host:5432/database');
    }
    if (parsed.pathname === '' || parsed.pathname === '/') {
      fail('ERR_STORE_BAD_URL', 'the PostgreSQL URL names no database: use postgres://user@host:5432/database');
    }
    return { dataDir, engine: 'postgres', url: db, sqlitePath: null, displayUrl: redactPassword(parsed) };
  }
  fail('ERR_STORE_BAD_URL', `unsupported database URL scheme "${scheme}:": use sqlite:<path> or postgres://…`, {
    scheme,
  });
}

function redactPassword(url: URL): string {
  if (url.password === '') return url.toString();
  const copy = new URL(url.toString());
  copy.password = '***';
  return copy.toString();
}

/** The name of the database a PostgreSQL URL points at. */
export function postgresDatabaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
