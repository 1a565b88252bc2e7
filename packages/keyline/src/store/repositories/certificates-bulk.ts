import { fail } from '@keyline/core';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { CertificateRecord } from '../../ca/records.js';
import type { NewCertificate, NewPreparedCertificate } from '../../ca/store-port.js';
import { bytesToColumn, timeFromText, timeToText } from '../codec.js';
import type { CertificatesTable } from '../schema.js';
import type { Scope } from '../scope.js';
import { chipColumns } from './chip-columns.js';

/**
 * The bulk forms of reserve, markSigning and markValid (store-port.ts, for batches from the
 * factory line): one statement per chunk of rows instead of one per row, the same rules per row,
 * all rows or none (a savepoint inside the caller's transaction), results in input order.
 */

type Row = Selectable<CertificatesTable>;

/** Rows per statement: far below SQLite's 32766 and PostgreSQL's 65535 parameters (11 a row at most). */
const CHUNK = 200;

/** Thrown inside the all-or-nothing block when a chunk did not change every row; explained after the rollback. */
class ShortBatch extends Error {}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** What makes a reservation conflict: a key of a row already stored. */
export type ReserveConflict =
  | { readonly key: 'requestId'; readonly requestId: string }
  | { readonly key: 'serialHex'; readonly serialHex: string }
  | { readonly key: 'id'; readonly id: string };

export function failReserveConflict(conflict: ReserveConflict): never {
  const message =
    conflict.key === 'requestId'
      ? `the request id "${conflict.requestId}" is already used at this CA`
      : conflict.key === 'serialHex'
        ? `the serial ${conflict.serialHex} is already used at this CA`
        : `a certificate record with id "${conflict.id}" exists`;
  fail('ERR_STORE_CONFLICT', message, { ...conflict });
}

/** Two rows of one batch that would take the same key. */
function duplicateInBatch(certs: readonly NewCertificate[]): ReserveConflict | undefined {
  const ids = new Set<string>();
  const serials = new Set<string>();
  const requests = new Set<string>();
  for (const c of certs) {
    if (ids.has(c.id)) return { key: 'id', id: c.id };
    ids.add(c.id);
    const serial = `${c.caId}\u0000${c.serialHex}`;
    if (serials.has(serial)) return { key: 'serialHex', serialHex: c.serialHex };
    serials.add(serial);
    if (c.requestId != null) {
      const request = `${c.caId}\u0000${c.requestId}`;
      if (requests.has(request)) return { key: 'requestId', requestId: c.requestId };
      requests.add(request);
    }
  }
  return undefined;
}

export async function reserveMany(
  scope: Scope,
  certs: readonly NewCertificate[],
  storedConflict: (cert: NewCertificate) => Promise<ReserveConflict | undefined>,
): Promise<CertificateRecord[]> {
  return insertMany(scope, certs, false, storedConflict);
}

/** `reserveMany` with each row stored at once as `signing`, its TBS and validity included. */
export async function prepareMany(
  scope: Scope,
  certs: readonly NewPreparedCertificate[],
  storedConflict: (cert: NewCertificate) => Promise<ReserveConflict | undefined>,
): Promise<CertificateRecord[]> {
  for (const cert of certs) {
    if (!(cert.tbsDer instanceof Uint8Array)) throw new TypeError('store: a prepared certificate needs its TBS');
  }
  return insertMany(scope, certs, true, storedConflict);
}

/** The SQLite statement of the prepared insert (run once per row, see Scope.runEach). */
const PREPARE_SQL =
  'insert into "certificates" ("id", "ca_id", "serial_hex", "profile", "status", "subject", "tbs_der", ' +
  '"not_before", "not_after", "device_id", "chip_serial", "chip_is_device", "request_id", "created_at", ' +
  '"updated_at") ' +
  "values (?, ?, ?, ?, 'signing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing";

/**
 * Inserts a batch as `reserved` rows, or with `prepared` as `signing` rows carrying their TBS and
 * validity (every cert then is a NewPreparedCertificate, checked by prepareMany).
 */
async function insertMany(
  scope: Scope,
  certs: readonly (NewCertificate | NewPreparedCertificate)[],
  prepared: boolean,
  storedConflict: (cert: NewCertificate) => Promise<ReserveConflict | undefined>,
): Promise<CertificateRecord[]> {
  if (certs.length === 0) return [];
  const duplicate = duplicateInBatch(certs);
  if (duplicate !== undefined) failReserveConflict(duplicate);
  const isPrepared = (_cert: NewCertificate): _cert is NewPreparedCertificate => prepared;
  const rows = certs.map((c) => {
    const at = timeToText(c.at);
    return {
      id: c.id,
      ca_id: c.caId,
      serial_hex: c.serialHex,
      profile: c.profile,
      status: prepared ? 'signing' : 'reserved',
      subject: c.subject,
      device_id: c.deviceId ?? null,
      ...chipColumns(c.deviceId ?? null, c.chipSerial ?? null),
      request_id: c.requestId ?? null,
      created_at: at,
      updated_at: at,
      ...(isPrepared(c) && {
        tbs_der: blob(c.tbsDer),
        not_before: timeToText(c.notBefore),
        not_after: timeToText(c.notAfter),
      }),
    };
  });
  try {
    await scope.isolated(async () => {
      const runEach = scope.runEach;
      if (prepared && runEach !== undefined) {
        // SQLite: one prepared statement run per row, synchronously (no query built per batch).
        const changes = runEach(
          PREPARE_SQL,
          rows.map((r) => [
            r.id,
            r.ca_id,
            r.serial_hex,
            r.profile,
            r.subject,
            r.tbs_der,
            r.not_before,
            r.not_after,
            r.device_id,
            r.chip_serial,
            r.chip_is_device,
            r.request_id,
            r.created_at,
            r.updated_at,
          ]),
        );
        if (changes.some((n) => n !== 1)) throw new ShortBatch();
        return;
      }
      for (const chunk of chunks(rows)) {
        const query = scope
          .db()
          .insertInto('certificates')
          .values(chunk)
          .onConflict((oc) => oc.doNothing());
        const result = await scope.run(query.compile());
        if (result.numAffectedRows !== BigInt(chunk.length)) throw new ShortBatch();
      }
    });
  } catch (error) {
    if (!(error instanceof ShortBatch)) throw error;
    // Rolled back: only rows stored before the batch are visible now.
    for (const cert of certs) {
      const conflict = await storedConflict(cert);
      if (conflict !== undefined) failReserveConflict(conflict);
    }
    fail('ERR_STORE_CONFLICT', 'a reservation of the batch conflicted with a concurrent change');
  }
  return rows.map((r, k) => {
    const at = timeFromText(r.created_at);
    const cert = certs[k]!;
    return {
      id: r.id,
      caId: r.ca_id,
      serialHex: r.serial_hex,
      profile: cert.profile,
      status: prepared ? 'signing' : 'reserved',
      subject: r.subject,
      tbsDer: isPrepared(cert) ? cert.tbsDer : null,
      der: null,
      notBefore: isPrepared(cert) ? timeFromText(r.not_before!) : null,
      notAfter: isPrepared(cert) ? timeFromText(r.not_after!) : null,
      deviceId: r.device_id,
      chipSerial: cert.chipSerial ?? null,
      requestId: r.request_id,
      revokedAt: null,
      revocationReason: null,
      fingerprint: null,
      createdAt: at,
      updatedAt: at,
    };
  });
}

/**
 * One guarded transition for many rows: `UPDATE … FROM (VALUES …) WHERE id = v.column1 AND
 * status = <from>` (SQLite ≥ 3.33 and PostgreSQL both name VALUES columns column1, column2, …).
 * Fewer rows changed than given means some row is missing or in another state: all are rolled
 * back and the first such row is named.
 */
export async function transitionMany<T extends { readonly id: string }>(
  scope: Scope,
  rows: readonly T[],
  spec: {
    readonly from: string;
    readonly to: string;
    /** Column names set from the VALUES columns 2, 3, … in this order. */
    readonly columns: readonly string[];
    /** The values of those columns for one row (binary values as Buffers). */
    readonly values: (row: T) => readonly (string | Buffer)[];
    /** Columns set to NULL. */
    readonly clear?: readonly string[];
    /**
     * The new record of row `k` built from what is known (SQLite: the UPDATE then returns
     * nothing, sparing the read-back); undefined to read the rows back.
     */
    readonly result?: (row: T, k: number, updatedAt: Date) => CertificateRecord;
  },
  at: Date,
  fromRow: (row: Row) => CertificateRecord,
  statusOf: (id: string) => Promise<string | undefined>,
): Promise<CertificateRecord[]> {
  if (rows.length === 0) return [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.id)) fail('ERR_STORE_CONFLICT', `the batch names certificate ${r.id} twice`, { id: r.id });
    seen.add(r.id);
  }
  const pg = scope.engine === 'postgres';
  const updatedAt = timeToText(at);
  // PostgreSQL types VALUES parameters as text unless told; SQLite must not be (CAST AS bytea
  // would give a BLOB numeric affinity there).
  const value = (v: string | Buffer): RawBuilder<unknown> =>
    pg && Buffer.isBuffer(v) ? sql`cast(${v} as bytea)` : sql`${v}`;
  const assignments = sql.join([
    ...spec.columns.map((column, i) => sql`${sql.ref(column)} = ${sql.raw(`v.column${i + 2}`)}`),
    ...(spec.clear ?? []).map((column) => sql`${sql.ref(column)} = null`),
  ]);
  const byId = new Map<string, CertificateRecord>();
  try {
    await scope.isolated(async () => {
      const runEach = scope.runEach;
      if (runEach !== undefined) {
        // SQLite: the single-row guarded UPDATE, prepared once and run per row synchronously
        // (cheaper there than building an UPDATE … FROM (VALUES …) per batch).
        const set = [
          ...spec.columns.map((column) => `"${column}" = ?`),
          ...(spec.clear ?? []).map((column) => `"${column}" = null`),
        ].join(', ');
        const build = spec.result;
        const text = `update "certificates" set "status" = '${spec.to}', ${set}, "updated_at" = ? where "id" = ? and "status" = '${spec.from}'${build === undefined ? ' returning *' : ''}`;
        const found = runEach(
          text,
          rows.map((r) => [...spec.values(r), updatedAt, r.id]),
        );
        if (build !== undefined) {
          if (found.some((changes) => changes !== 1)) throw new ShortBatch();
          const when = timeFromText(updatedAt);
          rows.forEach((r, k) => byId.set(r.id, build(r, k, when)));
          return;
        }
        for (const row of found as (Row | undefined)[]) if (row !== undefined) byId.set(row.id, fromRow(row));
        if (byId.size !== rows.length) throw new ShortBatch();
        return;
      }
      for (const chunk of chunks(rows)) {
        const values = sql.join(chunk.map((r) => sql`(${sql.join([sql`${r.id}`, ...spec.values(r).map(value)])})`));
        const query = sql<Row>`update certificates set status = ${spec.to}, ${assignments}, updated_at = ${updatedAt} from (values ${values}) as v where certificates.id = v.column1 and certificates.status = ${spec.from} returning ${pg ? sql.raw('certificates.*') : sql.raw('*')}`;
        const result = await scope.run(query.compile(scope.db()));
        for (const row of result.rows) byId.set(row.id, fromRow(row));
        if (result.rows.length !== chunk.length) throw new ShortBatch();
      }
    });
  } catch (error) {
    if (!(error instanceof ShortBatch)) throw error;
    for (const r of rows) {
      const status = await statusOf(r.id);
      if (status === undefined) fail('ERR_STORE_NOT_FOUND', `no certificate record with id "${r.id}"`, { id: r.id });
      if (status !== spec.from) {
        fail('ERR_STORE_CONFLICT', `the certificate is ${status}, not ${spec.from}`, {
          id: r.id,
          status,
          expected: spec.from,
        });
      }
    }
    fail('ERR_STORE_CONFLICT', 'a row of the batch changed concurrently');
  }
  return rows.map((r) => byId.get(r.id)!);
}

export function blob(bytes: Uint8Array): Buffer {
  return bytesToColumn(bytes);
}
