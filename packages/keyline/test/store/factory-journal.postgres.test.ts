import { describeFactoryJournalContract } from './factory-journal-contract.js';
import { describeWithPostgres, initOnceThenOpen, sharedTestDatabase } from './support/postgres.js';

await describeWithPostgres('PostgreSQL', () => {
  // The first test creates the database and schema; the others reuse it (their ids are fresh).
  describeFactoryJournalContract('PostgreSQL', initOnceThenOpen(sharedTestDatabase()));
});
