import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreEngine } from '../location.js';

/**
 * The first schema: every table the Store port needs. One definition for both engines; where
 * the engines spell a type differently, the difference is chosen here and nowhere else:
 * - binary: BLOB (SQLite) / bytea (PostgreSQL);
 * - text: PostgreSQL columns use the "C" collation, so text compares by bytes as in SQLite
 *   (times are fixed-width ISO text and cRLNumbers zero-padded decimal: byte order is their order);
 * - certificates.seq: SQLite's rowid alias / a PostgreSQL identity column.
 */
export function initialMigration(engine: StoreEngine): Migration {
  const pg = engine === 'postgres';
  const text = pg ? sql`text collate "C"` : sql`text`;
  const blob = pg ? 'bytea' : 'blob';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('manufacturers')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('products')
        .addColumn('manufacturer_id', text, (c) => c.notNull().references('manufacturers.id'))
        .addColumn('id', text, (c) => c.notNull())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('products_pk', ['manufacturer_id', 'id'])
        .execute();

      // No foreign key from cas.manufacturer_id to manufacturers: a CA carries the KECP 6.4 id
      // of its certificate whether or not the manufacturer was registered through the API.
      await db.schema
        .createTable('cas')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('label', text, (c) => c.notNull().unique())
        .addColumn('kind', text, (c) => c.notNull().check(sql`kind in ('root', 'manufacturer', 'issuing')`))
        .addColumn('parent_id', text, (c) => c.references('cas.id'))
        .addColumn('subject', text, (c) => c.notNull())
        .addColumn('manufacturer_id', text)
        .addColumn('product_id', text)
        .addColumn('key_uri', text, (c) => c.notNull())
        .addColumn('certificate_der', blob)
        .addColumn('csr_der', blob)
        .addColumn('status', text, (c) => c.notNull().check(sql`status in ('pending', 'active', 'retired')`))
        .addColumn('fingerprint', text)
        .addColumn('ocsp_signer_der', blob)
        .addColumn('ocsp_signer_key_uri', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('cas_manufacturer').on('cas').column('manufacturer_id').execute();

      await db.schema
        .createTable('certificates')
        .addColumn('seq', pg ? 'bigint' : 'integer', (c) =>
          pg ? c.generatedAlwaysAsIdentity().primaryKey() : c.primaryKey(),
        )
        .addColumn('id', text, (c) => c.notNull().unique())
        .addColumn('ca_id', text, (c) => c.notNull().references('cas.id'))
        .addColumn('serial_hex', text, (c) => c.notNull())
        .addColumn('profile', text, (c) => c.notNull())
        .addColumn('status', text, (c) =>
          c.notNull().check(sql`status in ('reserved', 'signing', 'valid', 'revoked', 'failed')`),
        )
        .addColumn('subject', text, (c) => c.notNull())
        .addColumn('tbs_der', blob)
        .addColumn('der', blob)
        .addColumn('not_before', text)
        .addColumn('not_after', text)
        .addColumn('device_id', text)
        .addColumn('chip_serial', text)
        .addColumn('request_id', text)
        .addColumn('revoked_at', text)
        .addColumn('revocation_reason', text)
        .addColumn('fingerprint', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        // RFC 5280 4.1.2.2: the serial is unique per issuer.
        .addUniqueConstraint('certificates_ca_serial', ['ca_id', 'serial_hex'])
        .execute();
      // Issuance is idempotent per request id (issue 3, section 3).
      await db.schema
        .createIndex('certificates_ca_request')
        .on('certificates')
        .columns(['ca_id', 'request_id'])
        .unique()
        .where(sql.ref('request_id'), 'is not', null)
        .execute();
      // Keyset pages of one CA's certificates (`cert list --ca`): a range scan in seq order, not a
      // sort of all the CA's rows per page.
      await db.schema.createIndex('certificates_ca_seq').on('certificates').columns(['ca_id', 'seq']).execute();
      // Partial: certificates without a device id or chip serial (CAs' OCSP signers, LDevIDs
      // without one) cost no index write. `device_id = ?` implies NOT NULL, so both engines use them.
      await db.schema
        .createIndex('certificates_device')
        .on('certificates')
        .column('device_id')
        .where(sql.ref('device_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('certificates_chip')
        .on('certificates')
        .column('chip_serial')
        .where(sql.ref('chip_serial'), 'is not', null)
        .execute();
      // Serves listUnfinished (status), listRevoked (status, CA, since) and status filters.
      await db.schema
        .createIndex('certificates_status')
        .on('certificates')
        .columns(['status', 'ca_id', 'revoked_at'])
        .execute();

      await db.schema
        .createTable('crls')
        .addColumn('ca_id', text, (c) => c.notNull().references('cas.id'))
        .addColumn('number', text, (c) => c.notNull())
        .addColumn('delta', 'integer', (c) => c.notNull().check(sql`delta in (0, 1)`))
        .addColumn('base_number', text)
        .addColumn('this_update', text, (c) => c.notNull())
        .addColumn('next_update', text, (c) => c.notNull())
        .addColumn('der', blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('crls_pk', ['ca_id', 'number'])
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('name', text, (c) => c.notNull())
        .addColumn('role', text, (c) => c.notNull().check(sql`role in ('admin', 'operator', 'auditor')`))
        .addColumn('manufacturer_id', text)
        .addColumn('token_hash', text, (c) => c.notNull().unique())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('seq', pg ? 'bigint' : 'integer', (c) => c.primaryKey())
        .addColumn('at', text, (c) => c.notNull())
        .addColumn('actor', text, (c) => c.notNull())
        .addColumn('action', text, (c) => c.notNull())
        .addColumn('target', text, (c) => c.notNull())
        .addColumn('details', text, (c) => c.notNull())
        .addColumn('prev_hash', text, (c) => c.notNull())
        .addColumn('hash', text, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['audit_log', 'api_tokens', 'crls', 'certificates', 'cas', 'products', 'manufacturers']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
