import type { Migration, MigrationProvider } from 'kysely';
import type { StoreEngine } from '../location.js';
import { initialMigration } from './0001-initial.js';
import { factoryJournalMigration } from './0002-factory-journal.js';
import { chipIsDeviceMigration } from './0003-chip-is-device.js';

/**
 * Every migration, in code (no files read at run time, so the built package carries its schema).
 * Names sort in the order they apply; a new migration gets the next number and is never edited
 * once released.
 */
export function migrationsFor(engine: StoreEngine): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(engine),
    '0002-factory-journal': factoryJournalMigration(engine),
    '0003-chip-is-device': chipIsDeviceMigration(),
  };
}

/** The first migration: a database without it has no Keyline schema. */
export const FIRST_MIGRATION = '0001-initial';

export class InCodeMigrationProvider implements MigrationProvider {
  readonly #engine: StoreEngine;
  constructor(engine: StoreEngine) {
    this.#engine = engine;
  }
  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrationsFor(this.#engine));
  }
}
