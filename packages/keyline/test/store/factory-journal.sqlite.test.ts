import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { initStore } from '../../src/store/index.js';
import { describeFactoryJournalContract } from './factory-journal-contract.js';

const root = mkdtempSync(join(tmpdir(), 'keyline-journal-sqlite-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeFactoryJournalContract('SQLite', async () => {
  n += 1;
  return initStore({ dataDir: join(root, `data-${n}`) }, { env: {} });
});
