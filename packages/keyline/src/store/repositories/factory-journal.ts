import { fail, type CrlReason } from '@keyline/core';
import { sql, type Selectable } from 'kysely';
import type {
  FactoryBatchRecord,
  FactoryChipRecord,
  FactoryChipState,
  FactoryChipUpdate,
  FactoryJournalRepository,
  FactoryManifestRow,
  FactoryRevocationRecord,
} from '../../ca/store-port.js';
import {
  bytesFromColumn,
  optionalBytesFromColumn,
  optionalBytesToColumn,
  optionalTimeFromText,
  timeFromText,
  timeToText,
} from '../codec.js';
import { translated } from '../errors.js';
import type { FactoryBatchesTable, FactoryChipsTable, FactoryRevocationsTable } from '../schema.js';
import type { Scope } from '../scope.js';

/** Rows per INSERT statement when a batch claims its chips (bounded by both engines' parameter limits). */
const INSERT_CHUNK = 200;
/** Chip serials per `IN (…)` lookup. */
const LOOKUP_CHUNK = 500;
/** Rows per UPDATE statement (two parameters per row and field). */
const UPDATE_CHUNK = 200;

/** The fields an update may set besides the state, and their columns. */
const UPDATE_FIELDS = ['attempt', 'publicKey', 'requestId', 'certSerial', 'reason', 'code'] as const;
const UPDATE_COLUMNS = {
  attempt: 'attempt',
  publicKey: 'public_key',
  requestId: 'request_id',
  certSerial: 'cert_serial',
  reason: 'reason',
  code: 'code',
} as const;

function batchFromRow(row: Selectable<FactoryBatchesTable>): FactoryBatchRecord {
  return {
    id: row.id,
    caId: row.ca_id,
    productId: row.product_id,
    count: Number(row.count),
    source: row.source,
    status: row.status as FactoryBatchRecord['status'],
    owner: row.owner,
    manifestPath: row.manifest_path,
    createdAt: timeFromText(row.created_at),
    updatedAt: timeFromText(row.updated_at),
  };
}

function chipFromRow(row: Selectable<FactoryChipsTable>): FactoryChipRecord {
  return {
    batchId: row.batch_id,
    chipSerial: row.chip_serial,
    position: Number(row.position),
    state: row.state as FactoryChipState,
    attempt: Number(row.attempt),
    publicKey: optionalBytesFromColumn(row.public_key),
    requestId: row.request_id,
    certSerial: row.cert_serial,
    reason: row.reason,
    code: row.code,
    updatedAt: timeFromText(row.updated_at),
  };
}

function revocationFromRow(row: Selectable<FactoryRevocationsTable>): FactoryRevocationRecord {
  return {
    batchId: row.batch_id,
    chipSerial: row.chip_serial,
    certSerial: row.cert_serial,
    reason: row.reason as CrlReason,
    why: row.why,
    createdAt: timeFromText(row.created_at),
    revokedAt: optionalTimeFromText(row.revoked_at),
  };
}

/** The factory journal over Kysely, for both engines (see ca/store-port.ts, FactoryJournalRepository). */
export class FactoryJournalTable implements FactoryJournalRepository {
  readonly #scope: Scope;

  constructor(scope: Scope) {
    this.#scope = scope;
  }

  createBatch(batch: Omit<FactoryBatchRecord, 'updatedAt'>): Promise<FactoryBatchRecord> {
    return translated(async () => {
      const at = timeToText(batch.createdAt);
      const row = await this.#scope.one(
        this.#scope
          .db()
          .insertInto('factory_batches')
          .values({
            id: batch.id,
            ca_id: batch.caId,
            product_id: batch.productId,
            count: batch.count,
            source: batch.source,
            status: batch.status,
            owner: batch.owner,
            manifest_path: batch.manifestPath,
            created_at: at,
            updated_at: at,
          })
          .returningAll(),
      );
      return batchFromRow(row);
    });
  }

  getBatch(id: string): Promise<FactoryBatchRecord | undefined> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope.db().selectFrom('factory_batches').selectAll().where('id', '=', id),
      );
      return row === undefined ? undefined : batchFromRow(row);
    });
  }

  claimBatch(id: string, owner: string | null, expected: string | null, at: Date): Promise<boolean> {
    return translated(async () => {
      const query = this.#scope
        .db()
        .updateTable('factory_batches')
        .set({ owner, updated_at: timeToText(at) })
        .where('id', '=', id)
        .where('owner', expected === null ? 'is' : '=', expected)
        .returning('id');
      return (await this.#scope.all(query)).length === 1;
    });
  }

  completeBatch(id: string, manifestPath: string | null, at: Date): Promise<FactoryBatchRecord> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope
          .db()
          .updateTable('factory_batches')
          .set({ status: 'complete', manifest_path: manifestPath, updated_at: timeToText(at) })
          .where('id', '=', id)
          .returningAll(),
      );
      if (row === undefined) fail('ERR_STORE_NOT_FOUND', `no factory batch "${id}"`, { id });
      return batchFromRow(row);
    });
  }

  addChips(
    batchId: string,
    chips: readonly { readonly chipSerial: string; readonly position: number }[],
    at: Date,
  ): Promise<void> {
    return translated(() =>
      this.#scope.isolated(async () => {
        const updatedAt = timeToText(at);
        for (let i = 0; i < chips.length; i += INSERT_CHUNK) {
          const values = chips.slice(i, i + INSERT_CHUNK).map((c) => ({
            batch_id: batchId,
            chip_serial: c.chipSerial,
            position: c.position,
            state: 'claimed',
            attempt: 0,
            public_key: null,
            request_id: null,
            cert_serial: null,
            reason: null,
            code: null,
            updated_at: updatedAt,
          }));
          await this.#scope.all(this.#scope.db().insertInto('factory_chips').values(values));
        }
      }),
    );
  }

  findChips(chipSerials: readonly string[]): Promise<FactoryChipRecord[]> {
    return translated(async () => {
      const out: FactoryChipRecord[] = [];
      for (let i = 0; i < chipSerials.length; i += LOOKUP_CHUNK) {
        const part = chipSerials.slice(i, i + LOOKUP_CHUNK);
        const rows = await this.#scope.all(
          this.#scope.db().selectFrom('factory_chips').selectAll().where('chip_serial', 'in', part),
        );
        out.push(...rows.map(chipFromRow));
      }
      return out;
    });
  }

  listChips(batchId: string, afterPosition: number, limit: number): Promise<FactoryChipRecord[]> {
    return translated(async () => {
      const rows = await this.#scope.all(
        this.#scope
          .db()
          .selectFrom('factory_chips')
          .selectAll()
          .where('batch_id', '=', batchId)
          .where('position', '>', afterPosition)
          .orderBy('position')
          .limit(limit),
      );
      return rows.map(chipFromRow);
    });
  }

  updateChips(batchId: string, updates: readonly FactoryChipUpdate[], at: Date): Promise<void> {
    return translated(() =>
      this.#scope.isolated(async () => {
        const updatedAt = timeToText(at);
        // One statement per transition, field set and chunk: per-row values as CASE expressions.
        const groups = new Map<string, FactoryChipUpdate[]>();
        for (const u of updates) {
          const key = `${u.from}>${u.state}|${UPDATE_FIELDS.filter((f) => u[f] !== undefined).join(',')}`;
          let group = groups.get(key);
          if (group === undefined) groups.set(key, (group = []));
          group.push(u);
        }
        for (const group of groups.values()) {
          const first = group[0]!;
          const fields = UPDATE_FIELDS.filter((f) => first[f] !== undefined);
          const runEach = this.#scope.runEach;
          if (runEach !== undefined) {
            // SQLite: one prepared statement run per row (a CASE over the chunk's rows costs
            // SQLite a scan of the CASE per row updated: quadratic in the chunk).
            const serials = group.map((r) => r.chipSerial);
            if (new Set(serials).size !== serials.length) {
              fail('ERR_STORE_CONFLICT', 'an update names a chip twice', { batchId });
            }
            const assignments = ['state = ?', 'updated_at = ?', ...fields.map((f) => `${UPDATE_COLUMNS[f]} = ?`)];
            const text = `update factory_chips set ${assignments.join(', ')} where batch_id = ? and chip_serial = ? and state = ?`;
            const changes = runEach(
              text,
              group.map((r) => [
                r.state,
                updatedAt,
                ...fields.map((f) => (f === 'publicKey' ? optionalBytesToColumn(r.publicKey) : r[f])),
                batchId,
                r.chipSerial,
                r.from,
              ]),
            );
            if (changes.some((n) => n !== 1)) {
              fail('ERR_STORE_CONFLICT', `a chip of batch ${batchId} is not in state ${first.from}`, {
                from: first.from,
                expected: group.length,
              });
            }
            continue;
          }
          for (let i = 0; i < group.length; i += UPDATE_CHUNK) {
            const rows = group.slice(i, i + UPDATE_CHUNK);
            const serials = rows.map((r) => r.chipSerial);
            if (new Set(serials).size !== serials.length) {
              fail('ERR_STORE_CONFLICT', 'an update names a chip twice', { batchId });
            }
            const set: Record<string, unknown> = { state: first.state, updated_at: updatedAt };
            for (const field of fields) {
              const cases = rows.map((r) => sql`when ${r.chipSerial} then ${this.#value(field, r)}`);
              set[UPDATE_COLUMNS[field]] = sql`case chip_serial ${sql.join(cases, sql` `)} end`;
            }
            const query = this.#scope
              .db()
              .updateTable('factory_chips')
              .set(set)
              .where('batch_id', '=', batchId)
              .where('state', '=', first.from)
              .where('chip_serial', 'in', serials);
            const result = await this.#scope.run(query.compile());
            if (result.numAffectedRows !== BigInt(rows.length)) {
              fail('ERR_STORE_CONFLICT', `a chip of batch ${batchId} is not in state ${first.from}`, {
                from: first.from,
                expected: rows.length,
              });
            }
          }
        }
      }),
    );
  }

  /** A per-row value, typed so that PostgreSQL's CASE gets the column's type. */
  #value(field: (typeof UPDATE_FIELDS)[number], u: FactoryChipUpdate) {
    const pg = this.#scope.engine === 'postgres';
    switch (field) {
      case 'attempt':
        return sql`cast(${u.attempt} as integer)`;
      case 'publicKey': {
        const bytes = optionalBytesToColumn(u.publicKey);
        return pg ? sql`cast(${bytes} as bytea)` : sql`${bytes}`;
      }
      default:
        return pg ? sql`cast(${u[field]} as text)` : sql`${u[field]}`;
    }
  }

  countStates(batchId: string): Promise<Partial<Record<FactoryChipState, number>>> {
    return translated(async () => {
      const rows = await this.#scope.all(
        this.#scope
          .db()
          .selectFrom('factory_chips')
          .select((eb) => ['state', eb.fn.countAll().as('n')])
          .where('batch_id', '=', batchId)
          .groupBy('state'),
      );
      const out: Partial<Record<FactoryChipState, number>> = {};
      for (const row of rows) out[row.state as FactoryChipState] = Number(row.n);
      return out;
    });
  }

  listManifestRows(batchId: string, afterPosition: number, limit: number): Promise<FactoryManifestRow[]> {
    return translated(async () => {
      const rows = await this.#scope.all(
        this.#scope
          .db()
          .selectFrom('factory_chips as f')
          .innerJoin('factory_batches as b', 'b.id', 'f.batch_id')
          .innerJoin('certificates as c', (join) =>
            join.onRef('c.ca_id', '=', 'b.ca_id').onRef('c.serial_hex', '=', 'f.cert_serial'),
          )
          .selectAll('f')
          .select('c.der as certificate_der')
          .where('f.batch_id', '=', batchId)
          .where('f.state', '=', 'done')
          .where('f.position', '>', afterPosition)
          .orderBy('f.position')
          .limit(limit),
      );
      return rows.map((row) => {
        if (row.certificate_der === null) {
          fail('ERR_STORE_CONFLICT', `chip ${row.chip_serial} is done but its certificate has no DER`);
        }
        return { chip: chipFromRow(row), certificateDer: bytesFromColumn(row.certificate_der) };
      });
    });
  }

  addRevocations(rows: readonly Omit<FactoryRevocationRecord, 'revokedAt'>[]): Promise<void> {
    return translated(() =>
      this.#scope.isolated(async () => {
        for (const r of rows) {
          await this.#scope.all(
            this.#scope
              .db()
              .insertInto('factory_revocations')
              .values({
                batch_id: r.batchId,
                chip_serial: r.chipSerial,
                cert_serial: r.certSerial,
                reason: r.reason,
                why: r.why,
                created_at: timeToText(r.createdAt),
                revoked_at: null,
              })
              .onConflict((oc) => oc.columns(['batch_id', 'cert_serial']).doNothing()),
          );
        }
      }),
    );
  }

  markRevoked(batchId: string, certSerial: string, at: Date): Promise<void> {
    return translated(async () => {
      await this.#scope.all(
        this.#scope
          .db()
          .updateTable('factory_revocations')
          .set({ revoked_at: timeToText(at) })
          .where('batch_id', '=', batchId)
          .where('cert_serial', '=', certSerial)
          .where('revoked_at', 'is', null),
      );
    });
  }

  listRevocations(batchId: string, pending = false): Promise<FactoryRevocationRecord[]> {
    return translated(async () => {
      let query = this.#scope.db().selectFrom('factory_revocations').selectAll().where('batch_id', '=', batchId);
      if (pending) query = query.where('revoked_at', 'is', null);
      const rows = await this.#scope.all(query.orderBy('created_at').orderBy('cert_serial'));
      return rows.map(revocationFromRow);
    });
  }
}
