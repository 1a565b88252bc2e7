import { fail } from '@keyline/core';
import type { Kysely, Selectable } from 'kysely';
import type { CrlRecord, CrlRepository } from '../../ca/store-port.js';
import {
  booleanFromColumn,
  booleanToColumn,
  bytesFromColumn,
  bytesToColumn,
  crlNumberFromText,
  crlNumberToText,
  timeFromText,
  timeToText,
} from '../codec.js';
import { translated } from '../errors.js';
import { param, prepare } from '../prepared.js';
import type { CrlsTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

type Row = Selectable<CrlsTable>;

export function crlQueries(db: Kysely<Database>) {
  return {
    lastNumber: prepare<{ caId: string }, { number: string | null }>(
      db
        .selectFrom('crls')
        .select((eb) => eb.fn.max('number').as('number'))
        .where('ca_id', '=', param<string>('caId')),
    ),
  };
}

export type CrlQueries = ReturnType<typeof crlQueries>;

export function crlFromRow(row: Row): CrlRecord {
  return {
    caId: row.ca_id,
    number: crlNumberFromText(row.number),
    delta: booleanFromColumn(row.delta),
    baseNumber: row.base_number === null ? null : crlNumberFromText(row.base_number),
    thisUpdate: timeFromText(row.this_update),
    nextUpdate: timeFromText(row.next_update),
    der: bytesFromColumn(row.der),
  };
}

export class CrlTable implements CrlRepository {
  readonly #scope: Scope;
  readonly #q: CrlQueries;

  constructor(scope: Scope, queries: CrlQueries) {
    this.#scope = scope;
    this.#q = queries;
  }

  /**
   * cRLNumbers only go up (RFC 5280 5.2.3: "monotonically increasing sequence numbers"), across
   * full and delta CRLs. The check and the insert run in one transaction, with the CA's row
   * locked on PostgreSQL (FOR NO KEY UPDATE; SQLite's BEGIN IMMEDIATE already excludes other writers), so two
   * concurrent signers cannot both pass the check.
   */
  insert(crl: CrlRecord): Promise<CrlRecord> {
    return translated(() =>
      this.#scope.atomic(async () => {
        const number = crlNumberToText(crl.number);
        const baseNumber = crl.baseNumber === null ? null : crlNumberToText(crl.baseNumber);
        let lock = this.#scope.db().selectFrom('cas').select('id').where('id', '=', crl.caId);
        // NO KEY UPDATE: excludes other CRL inserts of the CA, but not the FOR KEY SHARE lock that
        // a certificate insert's foreign-key check takes, so issuance goes on meanwhile.
        if (this.#scope.engine === 'postgres') lock = lock.forNoKeyUpdate();
        if ((await this.#scope.first(lock)) === undefined) {
          fail('ERR_STORE_NOT_FOUND', `no CA with id "${crl.caId}"`, { id: crl.caId });
        }
        const last = await this.#lastNumberText(crl.caId);
        if (last !== null && last >= number) {
          fail('ERR_STORE_CONFLICT', `cRLNumber ${crl.number} does not exceed the last one, ${BigInt(last)}`, {
            number: crl.number.toString(),
            last: BigInt(last).toString(),
          });
        }
        await this.#scope.all(
          this.#scope
            .db()
            .insertInto('crls')
            .values({
              ca_id: crl.caId,
              number,
              delta: booleanToColumn(crl.delta),
              base_number: baseNumber,
              this_update: timeToText(crl.thisUpdate),
              next_update: timeToText(crl.nextUpdate),
              der: bytesToColumn(crl.der),
            }),
        );
        return { ...crl };
      }),
    );
  }

  latest(caId: string, kind?: 'full' | 'delta'): Promise<CrlRecord | undefined> {
    return translated(async () => {
      let query = this.#scope.db().selectFrom('crls').selectAll().where('ca_id', '=', caId);
      if (kind !== undefined) query = query.where('delta', '=', booleanToColumn(kind === 'delta'));
      const row = await this.#scope.first(query.orderBy('number', 'desc').limit(1));
      return row === undefined ? undefined : crlFromRow(row);
    });
  }

  lastNumber(caId: string): Promise<bigint> {
    return translated(async () => {
      const last = await this.#lastNumberText(caId);
      return last === null ? 0n : crlNumberFromText(last);
    });
  }

  async #lastNumberText(caId: string): Promise<string | null> {
    const row = (await this.#scope.run(this.#q.lastNumber.bind({ caId }))).rows[0];
    return row?.number ?? null;
  }
}
