import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from '@keyline/core';
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type {
  AuditRepository,
  CaRepository,
  FactoryJournalRepository,
  CertificateRepository,
  CrlRepository,
  ManufacturerRepository,
  Store,
  TokenRepository,
} from '../ca/store-port.js';
import { translateDatabaseError } from './errors.js';
import type { StoreEngine } from './location.js';
import { AuditLog, auditQueries, type AuditQueries } from './repositories/audit.js';
import { CaTable, caQueries, type CaQueries } from './repositories/cas.js';
import { CertificateTable, certificateQueries, type CertificateQueries } from './repositories/certificates.js';
import { CrlTable, crlQueries, type CrlQueries } from './repositories/crls.js';
import { FactoryJournalTable } from './repositories/factory-journal.js';
import { ManufacturerTable } from './repositories/manufacturers.js';
import { TokenTable } from './repositories/tokens.js';
import type { Database } from './schema.js';
import type { CachingSqliteDialect } from './sqlite-dialect.js';
import type { Scope } from './scope.js';

/**
 * Where a call runs: outside any transaction (each statement commits on its own) or in an open
 * transaction. Nested transactions share their outer one's connection and use savepoints.
 */
interface Session {
  /** Runs a compiled query where this session's statements go. */
  readonly exec: <R>(query: CompiledQuery<R>) => Promise<QueryResult<R>>;
  readonly inTransaction: boolean;
  /** Shared by a transaction and the savepoints nested in it. */
  readonly tx: { savepoints: number } | null;
  ended: boolean;
  /** Nested transactions of this session run one after another (savepoints form a stack). */
  nested: Promise<unknown>;
}

/** Queries compiled once per opened store, shared by its transactions. */
interface PreparedQueries {
  readonly cas: CaQueries;
  readonly certificates: CertificateQueries;
  readonly crls: CrlQueries;
  readonly audit: AuditQueries;
}

/** What all the Store objects of one opened database share. */
class Runtime {
  readonly context = new AsyncLocalStorage<Session>();
  readonly root: Session;
  readonly queries: PreparedQueries;
  closed = false;

  constructor(
    readonly kysely: Kysely<Database>,
    readonly engine: StoreEngine,
    readonly clock: Clock,
    readonly sqlite: CachingSqliteDialect | null,
  ) {
    // SQLite: straight to the driver (kysely.executeQuery adds a connection provider, plugins and
    // several promise steps per statement, a fair share of a statement's cost there).
    const exec =
      sqlite === null
        ? <R>(q: CompiledQuery<R>) => kysely.executeQuery<R>(q)
        : <R>(q: CompiledQuery<R>) => sqlite.executeAlone<R>(q);
    this.root = { exec, inTransaction: false, tx: null, ended: false, nested: Promise.resolve() };
    this.queries = {
      cas: caQueries(kysely),
      certificates: certificateQueries(kysely),
      crls: crlQueries(kysely),
      audit: auditQueries(kysely),
    };
  }
}

/** Marks errors thrown by a transaction's callback, so they are passed on untouched. */
class CallbackError {
  constructor(readonly error: unknown) {}
}

/**
 * The Store port over Kysely, for both engines (the engine differences live in the dialects,
 * the migrations and codec.ts).
 *
 * Inside `transaction(fn)`, every call made in `fn`'s asynchronous context goes to the
 * transaction, whether through the `tx` store handed to `fn` or through the store the
 * transaction was opened from (tracked with AsyncLocalStorage). So code that holds the root store
 * (an audit appender, say) joins the transaction instead of deadlocking on SQLite's single
 * connection or writing outside it on PostgreSQL.
 */
export class KyselyStore implements Store, Scope {
  readonly cas: CaRepository;
  readonly certificates: CertificateRepository;
  readonly crls: CrlRepository;
  readonly tokens: TokenRepository;
  readonly manufacturers: ManufacturerRepository;
  readonly audit: AuditRepository;
  readonly factory: FactoryJournalRepository;
  readonly #runtime: Runtime;
  readonly #session: Session;
  /** SQLite: statements run synchronously per row in the current transaction (scope.ts). */
  readonly runEach?: (sqlText: string, rows: readonly (readonly unknown[])[]) => unknown[];

  private constructor(runtime: Runtime, session: Session) {
    this.#runtime = runtime;
    this.#session = session;
    const sqlite = runtime.sqlite;
    if (sqlite !== null) {
      this.runEach = (sqlText, rows) => {
        if (!this.#current().inTransaction) throw new TypeError('store: runEach runs inside a transaction');
        return sqlite.runEachHeld(sqlText, rows);
      };
    }
    this.cas = new CaTable(this, runtime.queries.cas);
    this.certificates = new CertificateTable(this, runtime.queries.certificates);
    this.crls = new CrlTable(this, runtime.queries.crls);
    this.tokens = new TokenTable(this);
    this.manufacturers = new ManufacturerTable(this);
    this.audit = new AuditLog(this, runtime.queries.audit);
    this.factory = new FactoryJournalTable(this);
  }

  /** The store over an opened, migrated database. */
  static create(
    kysely: Kysely<Database>,
    engine: StoreEngine,
    clock: Clock,
    sqlite: CachingSqliteDialect | null = null,
  ): KyselyStore {
    const runtime = new Runtime(kysely, engine, clock, sqlite);
    return new KyselyStore(runtime, runtime.root);
  }

  get engine(): StoreEngine {
    return this.#runtime.engine;
  }

  get clock(): Clock {
    return this.#runtime.clock;
  }

  /** The session the current call runs in (see the class comment). */
  #current(): Session {
    if (this.#runtime.closed) throw new TypeError('store: used after close()');
    const active = this.#runtime.context.getStore();
    if (active !== undefined && !active.ended && (this.#session.tx === null || active.tx === this.#session.tx)) {
      return active;
    }
    if (this.#session.ended) {
      throw new TypeError('store: a transaction store was used after its transaction ended');
    }
    return this.#session;
  }

  db(): Kysely<Database> {
    return this.#runtime.kysely;
  }

  run<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
    return this.#current().exec(query);
  }

  async all<R>(query: Compilable<R>): Promise<R[]> {
    return (await this.#current().exec(query.compile())).rows;
  }

  async first<R>(query: Compilable<R>): Promise<R | undefined> {
    return (await this.#current().exec(query.compile())).rows[0];
  }

  async one<R>(query: Compilable<R>): Promise<R> {
    const row = (await this.#current().exec(query.compile())).rows[0];
    if (row === undefined) throw new TypeError('store: the query returned no row');
    return row;
  }

  async atomic<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#current().inTransaction) return fn();
    return this.transaction(() => fn());
  }

  isolated<T>(fn: () => Promise<T>): Promise<T> {
    return this.transaction(() => fn());
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    const session = this.#current();
    if (session.inTransaction) return this.#nested(session, fn);
    const runtime = this.#runtime;
    const body = async (exec: Session['exec']): Promise<T> => {
      const inner: Session = {
        exec,
        inTransaction: true,
        tx: { savepoints: 0 },
        ended: false,
        nested: Promise.resolve(),
      };
      try {
        return await runtime.context.run(inner, () => fn(new KyselyStore(runtime, inner)));
      } catch (error) {
        throw new CallbackError(error);
      } finally {
        inner.ended = true;
      }
    };
    try {
      const sqlite = runtime.sqlite;
      if (sqlite !== null) {
        return await sqlite.transaction(() => body(<R>(q: CompiledQuery<R>) => sqlite.executeHeld<R>(q)));
      }
      return await runtime.kysely
        .transaction()
        .execute((trx) => body(<R>(q: CompiledQuery<R>) => trx.executeQuery<R>(q)));
    } catch (error) {
      // The callback's own errors pass untouched; BEGIN/COMMIT failures are the store's.
      if (error instanceof CallbackError) throw error.error;
      throw translateDatabaseError(error);
    }
  }

  /** A transaction inside a transaction: a savepoint, rolled back to when `fn` throws. */
  #nested<T>(outer: Session, fn: (tx: Store) => Promise<T>): Promise<T> {
    const runtime = this.#runtime;
    const tx = outer.tx!;
    const exec = (text: string) =>
      outer.exec(CompiledQuery.raw(text)).catch((e: unknown) => {
        throw translateDatabaseError(e);
      });
    const body = async (): Promise<T> => {
      const name = `keyline_sp_${++tx.savepoints}`;
      await exec(`savepoint ${name}`);
      const inner: Session = {
        exec: outer.exec,
        inTransaction: true,
        tx,
        ended: false,
        nested: Promise.resolve(),
      };
      let result: T;
      try {
        result = await runtime.context.run(inner, () => fn(new KyselyStore(runtime, inner)));
      } catch (error) {
        inner.ended = true;
        await exec(`rollback to savepoint ${name}`);
        await exec(`release savepoint ${name}`);
        throw error;
      }
      inner.ended = true;
      await exec(`release savepoint ${name}`);
      return result;
    };
    const next = outer.nested.then(body, body);
    outer.nested = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.#session !== this.#runtime.root) throw new TypeError('store: close() the store, not a transaction');
    if (this.#runtime.closed) return;
    this.#runtime.closed = true;
    await this.#runtime.kysely.destroy();
  }
}
