import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A certificate made on the factory line records its chip serial, which is also its device id
 * (the chip serial's hex, KECP 6.1). Stored in both columns, each row wrote an entry keyed by the
 * same random value into two indexes (certificates_device and certificates_chip), one random leaf
 * page each. From this migration such a row stores the value once, in device_id, with
 * chip_is_device = 1 and chip_serial NULL (certificates_chip is partial on NOT NULL, so it takes
 * no entry); a lookup by chip serial asks for `chip_serial = ? OR (device_id = ? AND
 * chip_is_device = 1)`, both served by an index. Rows written before keep their chip_serial and
 * chip_is_device = 0, and are found the same way.
 */
export function chipIsDeviceMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('certificates')
        .addColumn('chip_is_device', 'integer', (c) =>
          c
            .notNull()
            .defaultTo(0)
            .check(sql`chip_is_device in (0, 1)`),
        )
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      // Give the rows their chip serial back before the flag goes.
      await sql`update certificates set chip_serial = device_id where chip_is_device = 1`.execute(db);
      await db.schema.alterTable('certificates').dropColumn('chip_is_device').execute();
    },
  };
}
