import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/**
 * Kysely's SQLite dialect with two changes that matter for the issuance rate and for several
 * processes sharing one file (the server and a CLI command):
 * - prepared statements are kept per SQL text and reused (better-sqlite3's `prepare` costs as
 *   much as running a small statement; Kysely's own driver prepares on every call);
 * - transactions start with BEGIN IMMEDIATE, taking the write lock up front, so two processes
 *   never both read under a shared lock and then deadlock upgrading it (SQLITE_BUSY without
 *   waiting). busy_timeout (set at open) then makes the second writer wait its turn.
 */
export class CachingSqliteDialect implements Dialect {
  readonly #driver: CachingSqliteDriver;
  constructor(db: BetterSqlite3.Database) {
    this.#driver = new CachingSqliteDriver(db);
  }
  createDriver(): Driver {
    return this.#driver;
  }
  /**
   * Runs a compiled query outside any transaction, taking the connection as Kysely would, with
   * fewer steps (the issuance path's statements; see prepared.ts).
   */
  executeAlone<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.#driver.executeAlone(query);
  }
  /**
   * Runs a compiled query in the transaction that holds the connection now. Only for a caller
   * inside that transaction (better-sqlite3 runs each statement synchronously, so calls of one
   * transaction cannot interleave).
   */
  executeHeld<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.#driver.connection.executeQuery(query);
  }
  /**
   * Runs one statement once per parameter list, synchronously, in the transaction that holds the
   * connection now (same rule as executeHeld). For writers, each run's number of changed rows;
   * for statements that return rows (RETURNING), each run's first row or undefined. The batch
   * path of the issuance cycle: one prepared statement, no query building, no promise per row.
   */
  runEachHeld(sqlText: string, rows: readonly (readonly unknown[])[]): unknown[] {
    return this.#driver.connection.runEach(sqlText, rows);
  }
  /**
   * Runs `fn` in a write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK when it throws) holding
   * the connection throughout; `fn` sends its statements with executeHeld. Kysely's own
   * transactions (the Migrator's) take the same connection lock.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.#driver.transaction(fn);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * SQLite runs DDL inside transactions; saying so lets Kysely's Migrator apply each migration
 * atomically (a failed `keyline init` leaves no half-made schema).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

const BEGIN = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/** Statements kept; `search` builds a few shapes per filter combination, far fewer than this. */
const STATEMENT_CACHE_SIZE = 512;

class CachingSqliteDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #connection: CachingSqliteConnection;
  readonly #mutex = new Mutex();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    this.#connection = new CachingSqliteConnection(db);
  }
  get connection(): CachingSqliteConnection {
    return this.#connection;
  }
  async executeAlone<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    await this.#mutex.lock();
    try {
      return await this.#connection.executeQuery<R>(query);
    } finally {
      this.#mutex.unlock();
    }
  }
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.#mutex.lock();
    try {
      await this.#connection.executeQuery(BEGIN);
      let result: T;
      try {
        result = await fn();
      } catch (error) {
        if (this.#db.inTransaction) await this.#connection.executeQuery(ROLLBACK);
        throw error;
      }
      try {
        await this.#connection.executeQuery(COMMIT);
      } catch (error) {
        if (this.#db.inTransaction) await this.#connection.executeQuery(ROLLBACK);
        throw error;
      }
      return result;
    } finally {
      this.#mutex.unlock();
    }
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection: callers take turns, and a transaction holds it from begin to end.
    await this.#mutex.lock();
    return this.#connection;
  }
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN);
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(COMMIT);
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed COMMIT or an I/O error may already have ended the transaction.
    if (this.#db.inTransaction) await connection.executeQuery(ROLLBACK);
  }
  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }
  async destroy(): Promise<void> {
    this.#connection.clear();
    if (this.#db.open) this.#db.close();
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  #statement(sqlText: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sqlText);
    if (statement === undefined) {
      statement = this.#db.prepare(sqlText);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
      this.#statements.set(sqlText, statement);
    }
    return statement;
  }

  clear(): void {
    this.#statements.clear();
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const statement = this.#statement(compiledQuery.sql);
      const parameters = compiledQuery.parameters as unknown[];
      if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
      const { changes, lastInsertRowid } = statement.run(parameters);
      return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  runEach(sqlText: string, rows: readonly (readonly unknown[])[]): unknown[] {
    const statement = this.#statement(sqlText);
    const out: unknown[] = new Array(rows.length);
    if (statement.reader) {
      for (let i = 0; i < rows.length; i++) out[i] = statement.get(rows[i] as unknown[]);
    } else {
      for (let i = 0; i < rows.length; i++) out[i] = statement.run(rows[i] as unknown[]).changes;
    }
    return out;
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = this.#statement(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters as unknown[])) yield { rows: [row as R] };
  }
}

/** A FIFO lock without timers: each waiter resumes when the holder before it releases. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;
  #locked = false;

  async lock(): Promise<void> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#locked = true;
    this.#release = release;
  }

  unlock(): void {
    if (!this.#locked) return;
    const release = this.#release;
    this.#locked = false;
    this.#release = undefined;
    release?.();
  }
}
