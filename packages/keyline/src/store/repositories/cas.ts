import { fail } from '@keyline/core';
import type { CompiledQuery, Kysely, Selectable } from 'kysely';
import type { CaKind, CaRecord, CaStatus } from '../../ca/records.js';
import type { CaRepository, NewCa } from '../../ca/store-port.js';
import { bytesToColumn, optionalBytesFromColumn, optionalBytesToColumn, timeFromText, timeToText } from '../codec.js';
import { translated } from '../errors.js';
import { param, prepare } from '../prepared.js';
import type { CasTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

type Row = Selectable<CasTable>;

export function caQueries(db: Kysely<Database>) {
  return {
    get: prepare<{ id: string }, Row>(db.selectFrom('cas').selectAll().where('id', '=', param<string>('id'))),
    getByLabel: prepare<{ label: string }, Row>(
      db.selectFrom('cas').selectAll().where('label', '=', param<string>('label')),
    ),
  };
}

export type CaQueries = ReturnType<typeof caQueries>;

export function caFromRow(row: Row): CaRecord {
  return {
    id: row.id,
    label: row.label,
    kind: row.kind as CaKind,
    parentId: row.parent_id,
    subject: row.subject,
    manufacturerId: row.manufacturer_id,
    productId: row.product_id,
    keyUri: row.key_uri,
    certificateDer: optionalBytesFromColumn(row.certificate_der),
    csrDer: optionalBytesFromColumn(row.csr_der),
    status: row.status as CaStatus,
    fingerprint: row.fingerprint,
    ocspSignerDer: optionalBytesFromColumn(row.ocsp_signer_der),
    ocspSignerKeyUri: row.ocsp_signer_key_uri,
    createdAt: timeFromText(row.created_at),
  };
}

/**
 * The CA status changes setStatus accepts (install makes a pending CA active): a CA is retired
 * from pending (abandoned before its certificate came) or active, and a retired CA with a
 * certificate may be made active again. Nothing goes back to pending.
 */
const STATUS_FROM: Readonly<Record<CaStatus, readonly CaStatus[]>> = {
  pending: [],
  active: ['retired'],
  retired: ['pending', 'active'],
};

export class CaTable implements CaRepository {
  readonly #scope: Scope;
  readonly #q: CaQueries;

  constructor(scope: Scope, queries: CaQueries) {
    this.#scope = scope;
    this.#q = queries;
  }

  insert(ca: NewCa): Promise<CaRecord> {
    return translated(async () => {
      const createdAt = timeToText(ca.createdAt ?? this.#scope.clock.now());
      const result = await this.#scope.first(
        this.#scope
          .db()
          .insertInto('cas')
          .values({
            id: ca.id,
            label: ca.label,
            kind: ca.kind,
            parent_id: ca.parentId,
            subject: ca.subject,
            manufacturer_id: ca.manufacturerId,
            product_id: ca.productId,
            key_uri: ca.keyUri,
            certificate_der: optionalBytesToColumn(ca.certificateDer),
            csr_der: optionalBytesToColumn(ca.csrDer),
            status: ca.status,
            fingerprint: ca.fingerprint,
            ocsp_signer_der: optionalBytesToColumn(ca.ocspSignerDer),
            ocsp_signer_key_uri: ca.ocspSignerKeyUri,
            created_at: createdAt,
          })
          .onConflict((oc) => oc.doNothing())
          .returningAll(),
      );
      if (result !== undefined) return caFromRow(result);
      if ((await this.getByLabel(ca.label)) !== undefined) {
        fail('ERR_STORE_CONFLICT', `a CA labelled "${ca.label}" exists`, { key: 'label', label: ca.label });
      }
      fail('ERR_STORE_CONFLICT', `a CA with id "${ca.id}" exists`, { key: 'id', id: ca.id });
    });
  }

  get(id: string): Promise<CaRecord | undefined> {
    return translated(async () => optional((await this.#scope.run(this.#q.get.bind({ id }))).rows[0]));
  }

  getByLabel(label: string): Promise<CaRecord | undefined> {
    return translated(async () => optional((await this.#scope.run(this.#q.getByLabel.bind({ label }))).rows[0]));
  }

  list(filter: { readonly manufacturerId?: string; readonly kind?: CaKind } = {}): Promise<CaRecord[]> {
    return translated(async () => {
      let query = this.#scope.db().selectFrom('cas').selectAll();
      if (filter.manufacturerId !== undefined) query = query.where('manufacturer_id', '=', filter.manufacturerId);
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      const rows = await this.#scope.all(query.orderBy('created_at').orderBy('id'));
      return rows.map(caFromRow);
    });
  }

  install(id: string, certificateDer: Uint8Array, fingerprint: string): Promise<CaRecord> {
    return translated(async () => {
      const query = this.#scope
        .db()
        .updateTable('cas')
        .set({ certificate_der: bytesToColumn(certificateDer), fingerprint, status: 'active' })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returningAll()
        .compile();
      return this.#changed(id, query, 'pending');
    });
  }

  setStatus(id: string, status: CaStatus): Promise<CaRecord> {
    return translated(async () => {
      const from = STATUS_FROM[status];
      if (from === undefined) throw new TypeError(`store: unknown CA status ${String(status)}`);
      if (from.length === 0) {
        // Still a state question: say what the CA is now.
        const current = await this.get(id);
        if (current === undefined) fail('ERR_STORE_NOT_FOUND', `no CA with id "${id}"`, { id });
        fail('ERR_STORE_CONFLICT', `a CA is never set back to ${status}`, { id, status: current.status });
      }
      let query = this.#scope
        .db()
        .updateTable('cas')
        .set({ status })
        .where('id', '=', id)
        .where('status', 'in', [...from]);
      // Only a CA with its certificate can issue.
      if (status === 'active') query = query.where('certificate_der', 'is not', null);
      const expected = status === 'active' ? 'retired with a certificate' : from.join(' or ');
      return this.#changed(id, query.returningAll().compile(), expected);
    });
  }

  setOcspSigner(id: string, signerDer: Uint8Array, keyUri: string): Promise<CaRecord> {
    return translated(async () => {
      const query = this.#scope
        .db()
        .updateTable('cas')
        .set({ ocsp_signer_der: bytesToColumn(signerDer), ocsp_signer_key_uri: keyUri })
        .where('id', '=', id)
        .returningAll()
        .compile();
      return this.#changed(id, query, 'any');
    });
  }

  replaceOcspSigner(
    id: string,
    expectedDer: Uint8Array | null,
    signerDer: Uint8Array,
    keyUri: string,
  ): Promise<{ readonly replaced: boolean; readonly ca: CaRecord }> {
    return translated(async () => {
      let query = this.#scope
        .db()
        .updateTable('cas')
        .set({ ocsp_signer_der: bytesToColumn(signerDer), ocsp_signer_key_uri: keyUri })
        .where('id', '=', id);
      // The condition is evaluated by the UPDATE itself: PostgreSQL re-checks it on the row version
      // a concurrent writer committed (after waiting for its row lock), SQLite has one writer at a
      // time. So there is no window between the comparison and the write.
      query =
        expectedDer === null
          ? query.where('ocsp_signer_der', 'is', null)
          : query.where('ocsp_signer_der', '=', bytesToColumn(expectedDer));
      const row = (await this.#scope.run(query.returningAll().compile())).rows[0];
      if (row !== undefined) return { replaced: true, ca: caFromRow(row) };
      const current = await this.get(id);
      if (current === undefined) fail('ERR_STORE_NOT_FOUND', `no CA with id "${id}"`, { id });
      return { replaced: false, ca: current };
    });
  }

  async #changed(id: string, query: CompiledQuery<Row>, expected: string): Promise<CaRecord> {
    const row = (await this.#scope.run(query)).rows[0];
    if (row !== undefined) return caFromRow(row);
    const current = await this.get(id);
    if (current === undefined) fail('ERR_STORE_NOT_FOUND', `no CA with id "${id}"`, { id });
    fail('ERR_STORE_CONFLICT', `the CA is ${current.status}, not ${expected}`, {
      id,
      status: current.status,
      expected,
    });
  }
}

function optional(row: Row | undefined): CaRecord | undefined {
  return row === undefined ? undefined : caFromRow(row);
}
