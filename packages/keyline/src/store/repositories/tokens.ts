import { fail } from '@keyline/core';
import type { Selectable } from 'kysely';
import type { TokenRole } from '../../ca/records.js';
import type { ApiTokenRecord, TokenRepository } from '../../ca/store-port.js';
import { optionalTimeFromText, optionalTimeToText, timeFromText, timeToText } from '../codec.js';
import { translated } from '../errors.js';
import type { ApiTokensTable } from '../schema.js';
import type { Scope } from '../scope.js';

type Row = Selectable<ApiTokensTable>;

export function tokenFromRow(row: Row): ApiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as TokenRole,
    manufacturerId: row.manufacturer_id,
    tokenHash: row.token_hash,
    createdAt: timeFromText(row.created_at),
    revokedAt: optionalTimeFromText(row.revoked_at),
  };
}

export class TokenTable implements TokenRepository {
  readonly #scope: Scope;

  constructor(scope: Scope) {
    this.#scope = scope;
  }

  insert(token: ApiTokenRecord): Promise<ApiTokenRecord> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope
          .db()
          .insertInto('api_tokens')
          .values({
            id: token.id,
            name: token.name,
            role: token.role,
            manufacturer_id: token.manufacturerId,
            token_hash: token.tokenHash,
            created_at: timeToText(token.createdAt),
            revoked_at: optionalTimeToText(token.revokedAt),
          })
          .onConflict((oc) => oc.doNothing())
          .returningAll(),
      );
      if (row !== undefined) return tokenFromRow(row);
      if ((await this.getByHash(token.tokenHash)) !== undefined) {
        fail('ERR_STORE_CONFLICT', 'a token with that hash exists', { key: 'tokenHash' });
      }
      fail('ERR_STORE_CONFLICT', `a token with id "${token.id}" exists`, { key: 'id', id: token.id });
    });
  }

  getByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope.db().selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash),
      );
      return row === undefined ? undefined : tokenFromRow(row);
    });
  }

  list(): Promise<ApiTokenRecord[]> {
    return translated(async () => {
      const rows = await this.#scope.all(
        this.#scope.db().selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id'),
      );
      return rows.map(tokenFromRow);
    });
  }

  /** Revoking a revoked token is a conflict, as for certificates: the first revocation time stays. */
  revoke(id: string, at: Date): Promise<ApiTokenRecord> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope
          .db()
          .updateTable('api_tokens')
          .set({ revoked_at: timeToText(at) })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .returningAll(),
      );
      if (row !== undefined) return tokenFromRow(row);
      const exists = await this.#scope.first(
        this.#scope.db().selectFrom('api_tokens').select('id').where('id', '=', id),
      );
      if (exists === undefined) fail('ERR_STORE_NOT_FOUND', `no API token with id "${id}"`, { id });
      fail('ERR_STORE_CONFLICT', 'the token is already revoked', { id });
    });
  }
}
