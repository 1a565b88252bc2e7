import { fail } from '@keyline/core';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { CertificateRecord } from '../../ca/records.js';
import type { NewCertificate } from '../../ca/store-port.js';
import { bytesToColumn, timeFromText, timeToText } from '../codec.js';
import type { CertificatesTable } from '../schema.js';
import type { Scope } from '../scope.js';

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
  if (certs.length === 0) return [];
  const duplicate = duplicateInBatch(certs);
  if (duplicate !== undefined) failReserveConflict(duplicate);
  const rows = certs.map((c) => {
    const at = timeToText(c.at);
    return {
      id: c.id,
      ca_id: c.caId,
      serial_hex: c.serialHex,
      profile: c.profile,
      status: 'reserved',
      subject: c.subject,
      device_id: c.deviceId ?? null,
      chip_serial: c.chipSerial ?? null,
      request_id: c.requestId ?? null,
      created_at: at,
      updated_at: at,
    };
  });
  try {
    await scope.isolated(async () => {
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
    return {
      id: r.id,
      caId: r.ca_id,
      serialHex: r.serial_hex,
      profile: certs[k]!.profile,
      status: 'reserved',
      subject: r.subject,
      tbsDer: null,
      der: null,
      notBefore: null,
      notAfter: null,
      deviceId: r.device_id,
      chipSerial: r.chip_serial,
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
  const assignments = sql.join(
    spec.columns.map((column, i) => sql`${sql.ref(column)} = ${sql.raw(`v.column${i + 2}`)}`),
  );
  const byId = new Map<string, CertificateRecord>();
  try {
    await scope.isolated(async () => {
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
