import { fail } from '@keyline/core';
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { AuditEntry, AuditRepository } from '../../ca/store-port.js';
import { integerFromColumn, timeFromText, timeToText } from '../codec.js';
import { translated } from '../errors.js';
import { param, prepare } from '../prepared.js';
import type { AuditLogTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

type Row = Selectable<AuditLogTable>;

/** An arbitrary, fixed advisory lock key for audit appends (PostgreSQL). */
const AUDIT_APPEND_LOCK = CompiledQuery.raw('select pg_advisory_xact_lock(7436921052) as locked');

type AuditValues = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: string;
  prevHash: string;
  hash: string;
};

export function auditQueries(db: Kysely<Database>) {
  return {
    lastSeq: prepare<Record<string, never>, { seq: number | string | null }>(
      db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('seq')),
    ),
    last: prepare<Record<string, never>, Row>(db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1)),
    insert: prepare<AuditValues, never>(
      db
        .insertInto('audit_log')
        .values({
          seq: param<number>('seq'),
          at: param<string>('at'),
          actor: param<string>('actor'),
          action: param<string>('action'),
          target: param<string>('target'),
          details: param<string>('details'),
          prev_hash: param<string>('prevHash'),
          hash: param<string>('hash'),
        })
        .onConflict((oc) => oc.doNothing()),
    ),
  };
}

export type AuditQueries = ReturnType<typeof auditQueries>;

/** Entries are stored as given; the hash chain is audit/'s to compute and to verify. */
export function auditFromRow(row: Row): AuditEntry {
  return {
    seq: integerFromColumn(row.seq),
    at: timeFromText(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export class AuditLog implements AuditRepository {
  readonly #scope: Scope;
  readonly #q: AuditQueries;

  constructor(scope: Scope, queries: AuditQueries) {
    this.#scope = scope;
    this.#q = queries;
  }

  /**
   * The log has no gaps: an entry is accepted only as the one after the last (seq = last + 1),
   * checked and inserted in one transaction. Two writers racing for the same seq meet the
   * primary key: one wins, the other gets ERR_STORE_CONFLICT and must re-read the last entry.
   */
  append(entry: AuditEntry): Promise<void> {
    return translated(() =>
      this.#scope.atomic(async () => {
        if (!Number.isSafeInteger(entry.seq) || entry.seq < 1) {
          throw new TypeError('store: an audit entry seq is an integer from 1');
        }
        const values: AuditValues = {
          seq: entry.seq,
          at: timeToText(entry.at),
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          details: JSON.stringify(entry.details),
          prevHash: entry.prevHash,
          hash: entry.hash,
        };
        const last = await this.#lastSeq();
        if (entry.seq !== last + 1) {
          fail('ERR_STORE_CONFLICT', `audit entry ${entry.seq} does not follow the last one, ${last}`, {
            seq: entry.seq,
            last,
          });
        }
        const result = await this.#scope.run(this.#q.insert.bind(values));
        if (result.numAffectedRows === 0n) {
          fail('ERR_STORE_CONFLICT', `audit entry ${entry.seq} was appended meanwhile`, { seq: entry.seq });
        }
      }),
    );
  }

  async #lastSeq(): Promise<number> {
    const row = (await this.#scope.run(this.#q.lastSeq.bind({}))).rows[0];
    return row?.seq == null ? 0 : integerFromColumn(row.seq);
  }

  /**
   * The last entry. On PostgreSQL this first takes a transaction-scoped advisory lock, so that
   * writers which read the last entry to append the next one (audit/append.ts) queue behind each
   * other until commit instead of racing for the same seq (outside a transaction the lock is
   * released at once). SQLite serialises writing transactions by itself.
   */
  last(): Promise<AuditEntry | undefined> {
    return translated(async () => {
      if (this.#scope.engine === 'postgres') await this.#scope.run(AUDIT_APPEND_LOCK);
      const row = (await this.#scope.run(this.#q.last.bind({}))).rows[0];
      return row === undefined ? undefined : auditFromRow(row);
    });
  }

  range(from: number, to: number): Promise<AuditEntry[]> {
    return translated(async () => {
      if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
        throw new TypeError('store: audit range bounds are integers');
      }
      if (to < from) return [];
      const rows = await this.#scope.all(
        this.#scope
          .db()
          .selectFrom('audit_log')
          .selectAll()
          .where('seq', '>=', from)
          .where('seq', '<=', to)
          .orderBy('seq'),
      );
      return rows.map(auditFromRow);
    });
  }

  count(): Promise<number> {
    return translated(async () => {
      const row = await this.#scope.one(
        this.#scope
          .db()
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll().as('n')),
      );
      return integerFromColumn(row.n as number | string | bigint);
    });
  }
}
