import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../../../src/ca/store-port.js';
import { initStore, openStore } from '../../../src/store/index.js';
import { probePostgres, SERVICES_REQUIRED, testDatabase, type TestDatabase } from '../postgres-harness.js';

/**
 * A describe block that needs PostgreSQL. Where the server does not answer it is skipped, except
 * with KEYLINE_REQUIRE_SERVICES=1, where it is one failing test instead: CI must not pass by
 * skipping what it was meant to check, and the engine's other suites in the file still run.
 */
export async function describeWithPostgres(title: string, body: () => void): Promise<void> {
  const probe = await probePostgres();
  if (!probe.reachable && SERVICES_REQUIRED) {
    describe(title, () => {
      it('needs PostgreSQL on 127.0.0.1:5432 (KEYLINE_REQUIRE_SERVICES=1)', () => {
        throw new Error(`PostgreSQL is not reachable: ${probe.reason}`);
      });
    });
  } else {
    describe.skipIf(!probe.reachable)(title, body);
  }
}

/**
 * One database for the tests of the enclosing describe block, dropped after them. It is only
 * named beforehand, not created, so that the first initStore over it is the one that creates it.
 */
export function sharedTestDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await testDatabase(false);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return () => {
    if (db === undefined) throw new Error('sharedTestDatabase() is used before its beforeAll ran');
    return db;
  };
}

/**
 * A store factory for a contract suite over one shared database: the first call creates the
 * database and its schema (initStore), the later ones open it again (openStore), after `reset`
 * where the suite needs it empty (suites whose ids are fresh in every test need none).
 */
export function initOnceThenOpen(
  database: () => TestDatabase,
  reset?: (db: TestDatabase) => Promise<void>,
): () => Promise<Store> {
  let first = true;
  return async () => {
    const db = database();
    if (first) {
      first = false;
      return initStore({ dbUrl: db.url }, { env: {} });
    }
    await reset?.(db);
    return openStore({ dbUrl: db.url }, { env: {} });
  };
}
