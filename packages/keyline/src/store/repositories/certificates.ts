import { fail, readTlv, type CrlReason, type ProfileName } from '@keyline/core';
import type { CompiledQuery, Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
import type { CertificateRecord, CertificateStatus } from '../../ca/records.js';
import type {
  CertificateFilter,
  CertificateRepository,
  MarkValidOptions,
  NewCertificate,
  NewPreparedCertificate,
  Page,
  PageRequest,
} from '../../ca/store-port.js';
import {
  bytesFromColumn,
  bytesToColumn,
  integerFromColumn,
  optionalBytesFromColumn,
  optionalTimeFromText,
  timeFromText,
  timeToText,
} from '../codec.js';
import { decodeCursor, encodeCursor, pageLimit } from '../cursor.js';
import { translated } from '../errors.js';
import { chipColumns, chipSerialIs, chipSerialOfRow } from './chip-columns.js';
import { param, prepare } from '../prepared.js';
import {
  blob,
  failReserveConflict,
  prepareMany,
  reserveMany,
  transitionMany,
  type ReserveConflict,
} from './certificates-bulk.js';
import type { CertificatesTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

type Row = Selectable<CertificatesTable>;

/** The issuance path's statements, compiled once (prepared.ts). */
export function certificateQueries(db: Kysely<Database>) {
  const setState = <A extends Record<string, unknown>>(from: readonly CertificateStatus[], set: Partial<Row>) =>
    prepare<A & { id: string }, Row>(
      db
        .updateTable('certificates')
        .set(set)
        .where('id', '=', param<string>('id'))
        .where('status', 'in', [...from])
        .returningAll(),
    );
  return {
    reserve: prepare<
      {
        id: string;
        caId: string;
        serialHex: string;
        profile: string;
        subject: string;
        deviceId: string | null;
        chipSerial: string | null;
        chipIsDevice: 0 | 1;
        requestId: string | null;
        at: string;
      },
      never
    >(
      db
        .insertInto('certificates')
        .values({
          id: param<string>('id'),
          ca_id: param<string>('caId'),
          serial_hex: param<string>('serialHex'),
          profile: param('profile'),
          status: 'reserved',
          subject: param('subject'),
          device_id: param('deviceId'),
          chip_serial: param('chipSerial'),
          chip_is_device: param<0 | 1>('chipIsDevice'),
          request_id: param<string>('requestId'),
          created_at: param('at'),
          updated_at: param('at'),
        })
        // A unique key taken is answered without an error, so a PostgreSQL transaction stays
        // usable (the caller may look up the request id and carry on).
        .onConflict((oc) => oc.doNothing()),
    ),
    markSigning: setState<{ tbs: Buffer; notBefore: string; notAfter: string; at: string }>(['reserved'], {
      status: 'signing',
      tbs_der: param('tbs'),
      not_before: param('notBefore'),
      not_after: param('notAfter'),
      updated_at: param('at'),
    }),
    markValid: setState<{ der: Buffer; fingerprint: string; at: string }>(['signing'], {
      status: 'valid',
      der: param('der'),
      fingerprint: param('fingerprint'),
      updated_at: param('at'),
    }),
    markFailed: setState<{ at: string }>(['reserved', 'signing'], { status: 'failed', updated_at: param('at') }),
    revoke: setState<{ reason: string; at: string }>(['valid'], {
      status: 'revoked',
      revocation_reason: param('reason'),
      revoked_at: param('at'),
      updated_at: param('at'),
    }),
    get: prepare<{ id: string }, Row>(db.selectFrom('certificates').selectAll().where('id', '=', param<string>('id'))),
    getBySerial: prepare<{ caId: string; serialHex: string }, Row>(
      db
        .selectFrom('certificates')
        .selectAll()
        .where('ca_id', '=', param<string>('caId'))
        .where('serial_hex', '=', param<string>('serialHex')),
    ),
    getByRequestId: prepare<{ caId: string; requestId: string }, Row>(
      db
        .selectFrom('certificates')
        .selectAll()
        .where('ca_id', '=', param<string>('caId'))
        .where('request_id', '=', param<string>('requestId')),
    ),
    statusOf: prepare<{ id: string }, { status: string }>(
      db.selectFrom('certificates').select('status').where('id', '=', param<string>('id')),
    ),
  };
}

export type CertificateQueries = ReturnType<typeof certificateQueries>;

/**
 * The TBS of a row: its own column, or, for a certificate recorded with `tbsInDer` (the column
 * cleared once the DER holding it was stored), the DER's first element (a view, no copy).
 */
function tbsOf(row: Row): Uint8Array | null {
  const tbs = optionalBytesFromColumn(row.tbs_der);
  if (tbs !== null || row.der === null) return tbs;
  return tbsInside(bytesFromColumn(row.der));
}

/** The first element of a certificate's DER (its TBSCertificate), as a view; null when malformed. */
function tbsInside(der: Uint8Array): Uint8Array | null {
  try {
    const top = readTlv(der, 0, der.length);
    return der.subarray(top.valueStart, readTlv(der, top.valueStart, top.end).end);
  } catch {
    return null;
  }
}

/** The record `markValidMany` leaves of `signing` (as certificateFromRow would read it back). */
function validRecord(
  signing: CertificateRecord,
  row: { readonly id: string; readonly der: Uint8Array; readonly fingerprint: string },
  updatedAt: Date,
  tbsInDer: boolean,
): CertificateRecord {
  if (signing.id !== row.id || signing.status !== 'signing') {
    throw new TypeError('store: markValidMany was given a signing record that does not match its row');
  }
  // A copy, as a read-back would give: the caller's buffer may be a view of a shared one.
  const der = new Uint8Array(row.der);
  return {
    ...signing,
    status: 'valid',
    der,
    tbsDer: tbsInDer ? tbsInside(der) : signing.tbsDer,
    fingerprint: row.fingerprint,
    updatedAt,
  };
}

export function certificateFromRow(row: Row): CertificateRecord {
  return {
    id: row.id,
    caId: row.ca_id,
    serialHex: row.serial_hex,
    profile: row.profile as ProfileName,
    status: row.status as CertificateStatus,
    subject: row.subject,
    tbsDer: tbsOf(row),
    der: optionalBytesFromColumn(row.der),
    notBefore: optionalTimeFromText(row.not_before),
    notAfter: optionalTimeFromText(row.not_after),
    deviceId: row.device_id,
    chipSerial: chipSerialOfRow(row),
    requestId: row.request_id,
    revokedAt: optionalTimeFromText(row.revoked_at),
    revocationReason: row.revocation_reason as CrlReason | null,
    fingerprint: row.fingerprint,
    createdAt: timeFromText(row.created_at),
    updatedAt: timeFromText(row.updated_at),
  };
}

const UNFINISHED: readonly CertificateStatus[] = ['reserved', 'signing'];

export class CertificateTable implements CertificateRepository {
  readonly #scope: Scope;
  readonly #q: CertificateQueries;

  constructor(scope: Scope, queries: CertificateQueries) {
    this.#scope = scope;
    this.#q = queries;
  }

  reserve(cert: NewCertificate): Promise<CertificateRecord> {
    return translated(async () => {
      const at = timeToText(cert.at);
      const values = {
        id: cert.id,
        caId: cert.caId,
        serialHex: cert.serialHex,
        profile: cert.profile,
        subject: cert.subject,
        deviceId: cert.deviceId ?? null,
        chipSerial: cert.chipSerial ?? null,
        requestId: cert.requestId ?? null,
        at,
      };
      const chip = chipColumns(values.deviceId, values.chipSerial);
      const result = await this.#scope.run(
        this.#q.reserve.bind({ ...values, chipSerial: chip.chip_serial, chipIsDevice: chip.chip_is_device }),
      );
      if (result.numAffectedRows === 0n) await this.#explainReserveConflict(cert);
      // The row is exactly what was given; built here rather than read back (one statement less).
      const atDate = timeFromText(at);
      return {
        id: cert.id,
        caId: cert.caId,
        serialHex: cert.serialHex,
        profile: cert.profile,
        status: 'reserved',
        subject: cert.subject,
        tbsDer: null,
        der: null,
        notBefore: null,
        notAfter: null,
        deviceId: values.deviceId,
        chipSerial: values.chipSerial,
        requestId: values.requestId,
        revokedAt: null,
        revocationReason: null,
        fingerprint: null,
        createdAt: atDate,
        updatedAt: atDate,
      };
    });
  }

  /** The stored row that a reservation collides with, if any. */
  async #storedConflict(cert: NewCertificate): Promise<ReserveConflict | undefined> {
    if (cert.requestId != null && (await this.getByRequestId(cert.caId, cert.requestId)) !== undefined) {
      return { key: 'requestId', requestId: cert.requestId };
    }
    if ((await this.getBySerial(cert.caId, cert.serialHex)) !== undefined) {
      return { key: 'serialHex', serialHex: cert.serialHex };
    }
    if ((await this.#scope.run(this.#q.statusOf.bind({ id: cert.id }))).rows[0] !== undefined) {
      return { key: 'id', id: cert.id };
    }
    return undefined;
  }

  async #explainReserveConflict(cert: NewCertificate): Promise<never> {
    const conflict = await this.#storedConflict(cert);
    if (conflict !== undefined) failReserveConflict(conflict);
    fail('ERR_STORE_CONFLICT', 'the reservation conflicted with a concurrent change');
  }

  reserveMany(certs: readonly NewCertificate[]): Promise<CertificateRecord[]> {
    return translated(() => reserveMany(this.#scope, certs, (cert) => this.#storedConflict(cert)));
  }

  markSigningMany(
    rows: readonly {
      readonly id: string;
      readonly tbsDer: Uint8Array;
      readonly notBefore: Date;
      readonly notAfter: Date;
    }[],
    at: Date,
  ): Promise<CertificateRecord[]> {
    return translated(() =>
      transitionMany(
        this.#scope,
        rows,
        {
          from: 'reserved',
          to: 'signing',
          columns: ['tbs_der', 'not_before', 'not_after'],
          values: (r) => [blob(r.tbsDer), timeToText(r.notBefore), timeToText(r.notAfter)],
        },
        at,
        certificateFromRow,
        (id) => this.#statusOf(id),
      ),
    );
  }

  prepareMany(certs: readonly NewPreparedCertificate[]): Promise<CertificateRecord[]> {
    return translated(() => prepareMany(this.#scope, certs, (cert) => this.#storedConflict(cert)));
  }

  markValidMany(
    rows: readonly { readonly id: string; readonly der: Uint8Array; readonly fingerprint: string }[],
    at: Date,
    options: MarkValidOptions = {},
  ): Promise<CertificateRecord[]> {
    return translated(() =>
      transitionMany(
        this.#scope,
        rows,
        {
          from: 'signing',
          to: 'valid',
          columns: ['der', 'fingerprint'],
          values: (r) => [blob(r.der), r.fingerprint],
          // The DER holds the TBS (the caller checked): keep one copy (certificateFromRow).
          ...(options.tbsInDer === true && { clear: ['tbs_der'] }),
          ...(options.signing !== undefined && {
            result: (r, k, updatedAt) => validRecord(options.signing![k]!, r, updatedAt, options.tbsInDer === true),
          }),
        },
        at,
        certificateFromRow,
        (id) => this.#statusOf(id),
      ),
    );
  }

  async #statusOf(id: string): Promise<string | undefined> {
    return (await this.#scope.run(this.#q.statusOf.bind({ id }))).rows[0]?.status;
  }

  /** Runs a guarded transition; no row means the record is missing or in another state. */
  async #transition(id: string, query: CompiledQuery<Row>, expected: string): Promise<CertificateRecord> {
    const row = (await this.#scope.run(query)).rows[0];
    if (row !== undefined) return certificateFromRow(row);
    const current = (await this.#scope.run(this.#q.statusOf.bind({ id }))).rows[0];
    if (current === undefined) fail('ERR_STORE_NOT_FOUND', `no certificate record with id "${id}"`, { id });
    fail('ERR_STORE_CONFLICT', `the certificate is ${current.status}, not ${expected}`, {
      id,
      status: current.status,
      expected,
    });
  }

  markSigning(id: string, tbsDer: Uint8Array, notBefore: Date, notAfter: Date, at: Date): Promise<CertificateRecord> {
    return translated(() =>
      this.#transition(
        id,
        this.#q.markSigning.bind({
          id,
          tbs: bytesToColumn(tbsDer),
          notBefore: timeToText(notBefore),
          notAfter: timeToText(notAfter),
          at: timeToText(at),
        }),
        'reserved',
      ),
    );
  }

  markValid(id: string, der: Uint8Array, fingerprint: string, at: Date): Promise<CertificateRecord> {
    return translated(() =>
      this.#transition(
        id,
        this.#q.markValid.bind({ id, der: bytesToColumn(der), fingerprint, at: timeToText(at) }),
        'signing',
      ),
    );
  }

  markFailed(id: string, at: Date): Promise<CertificateRecord> {
    return translated(() =>
      this.#transition(id, this.#q.markFailed.bind({ id, at: timeToText(at) }), 'reserved or signing'),
    );
  }

  revoke(id: string, reason: CrlReason, revokedAt: Date): Promise<CertificateRecord> {
    return translated(() =>
      this.#transition(id, this.#q.revoke.bind({ id, reason, at: timeToText(revokedAt) }), 'valid'),
    );
  }

  get(id: string): Promise<CertificateRecord | undefined> {
    return translated(async () => optionalRecord((await this.#scope.run(this.#q.get.bind({ id }))).rows[0]));
  }

  getBySerial(caId: string, serialHex: string): Promise<CertificateRecord | undefined> {
    return translated(async () =>
      optionalRecord((await this.#scope.run(this.#q.getBySerial.bind({ caId, serialHex }))).rows[0]),
    );
  }

  getByRequestId(caId: string, requestId: string): Promise<CertificateRecord | undefined> {
    return translated(async () =>
      optionalRecord((await this.#scope.run(this.#q.getByRequestId.bind({ caId, requestId }))).rows[0]),
    );
  }

  listUnfinished(caId?: string): Promise<CertificateRecord[]> {
    return translated(async () => {
      let query = this.#scope
        .db()
        .selectFrom('certificates')
        .selectAll()
        .where('status', 'in', [...UNFINISHED]);
      if (caId !== undefined) query = query.where('ca_id', '=', caId);
      const rows = await this.#scope.all(query.orderBy('seq'));
      return rows.map(certificateFromRow);
    });
  }

  listRevoked(caId: string, since?: Date): Promise<CertificateRecord[]> {
    return translated(async () => {
      let query = this.#scope
        .db()
        .selectFrom('certificates')
        .selectAll()
        .where('status', '=', 'revoked')
        .where('ca_id', '=', caId);
      // At or after `since`: a revocation in the same millisecond as the base CRL's thisUpdate
      // is listed again rather than missed (RFC 5280 5.2.4: a delta may repeat entries).
      if (since !== undefined) query = query.where('revoked_at', '>=', timeToText(since));
      const rows = await this.#scope.all(query.orderBy('revoked_at').orderBy('seq'));
      return rows.map(certificateFromRow);
    });
  }

  search(filter: CertificateFilter, page: PageRequest = {}): Promise<Page<CertificateRecord>> {
    return translated(async () => {
      const limit = pageLimit(page.limit);
      const after = page.cursor == null ? null : decodeCursor(page.cursor);
      let query = this.#scope
        .db()
        .selectFrom('certificates')
        .selectAll()
        .where((eb) => filterExpression(eb, filter));
      if (after !== null) query = query.where('seq', '>', after);
      const rows = await this.#scope.all(query.orderBy('seq').limit(limit + 1));
      const more = rows.length > limit;
      const items = (more ? rows.slice(0, limit) : rows).map(certificateFromRow);
      const last = more ? rows[limit - 1] : undefined;
      return { items, next: last === undefined ? null : encodeCursor(integerFromColumn(last.seq)) };
    });
  }

  count(filter: CertificateFilter = {}): Promise<number> {
    return translated(async () => {
      const row = await this.#scope.one(
        this.#scope
          .db()
          .selectFrom('certificates')
          .select((eb) => eb.fn.countAll().as('n'))
          .where((eb) => filterExpression(eb, filter)),
      );
      return integerFromColumn(row.n as number | string | bigint);
    });
  }
}

function optionalRecord(row: Row | undefined): CertificateRecord | undefined {
  return row === undefined ? undefined : certificateFromRow(row);
}

function filterExpression(
  eb: ExpressionBuilder<Database, 'certificates'>,
  filter: CertificateFilter,
): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [];
  if (filter.caId !== undefined) terms.push(eb('certificates.ca_id', '=', filter.caId));
  if (filter.status !== undefined) terms.push(eb('certificates.status', '=', filter.status));
  if (filter.serialHex !== undefined) terms.push(eb('certificates.serial_hex', '=', filter.serialHex));
  if (filter.deviceId !== undefined) terms.push(eb('certificates.device_id', '=', filter.deviceId));
  if (filter.chipSerial !== undefined) terms.push(chipSerialIs(eb, filter.chipSerial));
  if (filter.manufacturerId !== undefined) {
    terms.push(
      eb(
        'certificates.ca_id',
        'in',
        eb.selectFrom('cas').select('cas.id').where('cas.manufacturer_id', '=', filter.manufacturerId),
      ),
    );
  }
  return eb.and(terms);
}
