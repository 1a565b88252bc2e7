/**
 * store/: the Store port (ca/store-port.ts) over Kysely, for SQLite (embedded default) and
 * PostgreSQL. See docs/storage.md.
 */
export { initStore, openStore, type InitialisedStore, type SqliteSynchronous, type StoreSettings } from './open.js';
export {
  DEFAULT_DATA_DIR,
  DEFAULT_SQLITE_FILE,
  resolveStoreLocation,
  type Environment,
  type StoreEngine,
  type StoreLocation,
  type StoreLocationOptions,
} from './location.js';
export { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './cursor.js';
