import type { Clock } from '@keyline/core';
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { StoreEngine } from './location.js';
import type { Database } from './schema.js';

/**
 * What a repository needs from the store it belongs to: a Kysely to build queries with, and
 * where to send them (the transaction the call runs in, or the root), and a way to run several
 * statements atomically. Queries are built with `db()` and run through `run`/`all`/`first`/`one`,
 * never with Kysely's own `execute`, so that they go to the call's transaction.
 */
export interface Scope {
  readonly engine: StoreEngine;
  /** Used only where the port lets a time be left out (NewCa.createdAt). */
  readonly clock: Clock;
  /** The Kysely to build queries with (only the dialect matters: building is the same everywhere). */
  db(): Kysely<Database>;
  /** Runs a compiled query on the current call's connection. */
  run<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /** Compiles and runs a query; its rows. */
  all<R>(query: Compilable<R>): Promise<R[]>;
  /** Compiles and runs a query; its first row, if any. */
  first<R>(query: Compilable<R>): Promise<R | undefined>;
  /** Compiles and runs a query that always returns a row (an aggregate); that row. */
  one<R>(query: Compilable<R>): Promise<R>;
  /**
   * Runs `fn` atomically: inside the caller's transaction when there is one, else in a new one.
   * Queries `fn` sends through this scope go to that transaction.
   */
  atomic<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Runs `fn` all or nothing even inside the caller's transaction (as a savepoint there; as a
   * transaction of its own otherwise). For methods that may fail after writing part of their work.
   */
  isolated<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * SQLite only, inside a transaction (else a TypeError): runs `sqlText` once per parameter list,
   * synchronously (sqlite-dialect.ts, runEachHeld). Undefined on PostgreSQL, where callers build
   * one multi-row statement instead.
   */
  readonly runEach?: (sqlText: string, rows: readonly (readonly unknown[])[]) => unknown[];
}
