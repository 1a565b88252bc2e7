import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreEngine } from '../location.js';

/**
 * The provisioning line's journal (factory/, docs/factory.md): one row per batch, one row per chip
 * (its state machine, keyed by chip serial: a chip belongs to one batch), and the certificates the
 * line decided to revoke (written before the revocation, so a crash in between is finished on resume).
 * Column types follow 0001-initial: "C"-collated text on PostgreSQL, fixed-width ISO times.
 */
export function factoryJournalMigration(engine: StoreEngine): Migration {
  const pg = engine === 'postgres';
  const text = pg ? sql`text collate "C"` : sql`text`;
  const blob = pg ? 'bytea' : 'blob';

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('factory_batches')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('ca_id', text, (c) => c.notNull().references('cas.id'))
        .addColumn('product_id', text, (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('source', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull().check(sql`status in ('open', 'complete')`))
        .addColumn('owner', text)
        .addColumn('manifest_path', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('updated_at', text, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('factory_chips')
        .addColumn('batch_id', text, (c) => c.notNull().references('factory_batches.id'))
        // A chip is provisioned once: its serial is unique across batches.
        .addColumn('chip_serial', text, (c) => c.notNull().unique())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('state', text, (c) =>
          c
            .notNull()
            .check(sql`state in ('claimed', 'key-made', 'issuing', 'issued', 'locked', 'done', 'quarantined')`),
        )
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('public_key', blob)
        .addColumn('request_id', text)
        .addColumn('cert_serial', text)
        .addColumn('reason', text)
        .addColumn('code', text)
        .addColumn('updated_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('factory_chips_pk', ['batch_id', 'chip_serial'])
        .execute();
      await db.schema
        .createIndex('factory_chips_position')
        .on('factory_chips')
        .columns(['batch_id', 'position'])
        .unique()
        .execute();

      await db.schema
        .createTable('factory_revocations')
        .addColumn('batch_id', text, (c) => c.notNull().references('factory_batches.id'))
        .addColumn('chip_serial', text, (c) => c.notNull())
        .addColumn('cert_serial', text, (c) => c.notNull())
        .addColumn('reason', text, (c) => c.notNull())
        .addColumn('why', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .addPrimaryKeyConstraint('factory_revocations_pk', ['batch_id', 'cert_serial'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['factory_revocations', 'factory_chips', 'factory_batches']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
