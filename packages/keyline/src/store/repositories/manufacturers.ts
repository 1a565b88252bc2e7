import { fail } from '@keyline/core';
import type { Selectable } from 'kysely';
import type { ManufacturerRecord, ManufacturerRepository, ProductRecord } from '../../ca/store-port.js';
import { timeFromText, timeToText } from '../codec.js';
import { translated } from '../errors.js';
import type { ManufacturersTable, ProductsTable } from '../schema.js';
import type { Scope } from '../scope.js';

function manufacturerFromRow(row: Selectable<ManufacturersTable>): ManufacturerRecord {
  return { id: row.id, name: row.name, createdAt: timeFromText(row.created_at) };
}

function productFromRow(row: Selectable<ProductsTable>): ProductRecord {
  return { manufacturerId: row.manufacturer_id, id: row.id, name: row.name, createdAt: timeFromText(row.created_at) };
}

export class ManufacturerTable implements ManufacturerRepository {
  readonly #scope: Scope;

  constructor(scope: Scope) {
    this.#scope = scope;
  }

  insert(m: ManufacturerRecord): Promise<ManufacturerRecord> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope
          .db()
          .insertInto('manufacturers')
          .values({ id: m.id, name: m.name, created_at: timeToText(m.createdAt) })
          .onConflict((oc) => oc.doNothing())
          .returningAll(),
      );
      if (row === undefined)
        fail('ERR_STORE_CONFLICT', `a manufacturer with id "${m.id}" exists`, { key: 'id', id: m.id });
      return manufacturerFromRow(row);
    });
  }

  get(id: string): Promise<ManufacturerRecord | undefined> {
    return translated(async () => {
      const row = await this.#scope.first(
        this.#scope.db().selectFrom('manufacturers').selectAll().where('id', '=', id),
      );
      return row === undefined ? undefined : manufacturerFromRow(row);
    });
  }

  list(): Promise<ManufacturerRecord[]> {
    return translated(async () => {
      const rows = await this.#scope.all(this.#scope.db().selectFrom('manufacturers').selectAll().orderBy('id'));
      return rows.map(manufacturerFromRow);
    });
  }

  /** A product of an unknown manufacturer is ERR_STORE_NOT_FOUND; a taken (manufacturer, id) a conflict. */
  insertProduct(p: ProductRecord): Promise<ProductRecord> {
    return translated(() =>
      this.#scope.atomic(async () => {
        // Checked first rather than left to the foreign key: on PostgreSQL a failed statement
        // would spoil the caller's transaction.
        if ((await this.get(p.manufacturerId)) === undefined) {
          fail('ERR_STORE_NOT_FOUND', `no manufacturer with id "${p.manufacturerId}"`, { id: p.manufacturerId });
        }
        const row = await this.#scope.first(
          this.#scope
            .db()
            .insertInto('products')
            .values({ manufacturer_id: p.manufacturerId, id: p.id, name: p.name, created_at: timeToText(p.createdAt) })
            .onConflict((oc) => oc.doNothing())
            .returningAll(),
        );
        if (row === undefined) {
          fail('ERR_STORE_CONFLICT', `manufacturer ${p.manufacturerId} has a product with id "${p.id}"`, {
            key: 'id',
            manufacturerId: p.manufacturerId,
            id: p.id,
          });
        }
        return productFromRow(row);
      }),
    );
  }

  listProducts(manufacturerId: string): Promise<ProductRecord[]> {
    return translated(async () => {
      const rows = await this.#scope.all(
        this.#scope.db().selectFrom('products').selectAll().where('manufacturer_id', '=', manufacturerId).orderBy('id'),
      );
      return rows.map(productFromRow);
    });
  }
}
