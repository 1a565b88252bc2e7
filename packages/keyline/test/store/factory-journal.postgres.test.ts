import { afterAll, beforeAll, describe, it } from 'vitest';
import { initStore, openStore } from '../../src/store/index.js';
import { describeFactoryJournalContract } from './factory-journal-contract.js';
import { probePostgres, SERVICES_REQUIRED, testDatabase, type TestDatabase } from './postgres-harness.js';

const probe = await probePostgres();

if (!probe.reachable && SERVICES_REQUIRED) {
  describe('Factory journal contract: PostgreSQL', () => {
    it('needs PostgreSQL on 127.0.0.1:5432 (KEYLINE_REQUIRE_SERVICES=1)', () => {
      throw new Error(`PostgreSQL is not reachable: ${probe.reason}`);
    });
  });
} else {
  describe.skipIf(!probe.reachable)('PostgreSQL', () => {
    let db: TestDatabase | undefined;
    let first = true;
    beforeAll(async () => {
      db = await testDatabase(false);
    });
    afterAll(async () => {
      await db?.drop();
    });
    // The first test creates the database and schema; the others reuse it (their ids are fresh).
    describeFactoryJournalContract('PostgreSQL', async () => {
      if (first) {
        first = false;
        return initStore({ dbUrl: db!.url }, { env: {} });
      }
      return openStore({ dbUrl: db!.url }, { env: {} });
    });
  });
}
