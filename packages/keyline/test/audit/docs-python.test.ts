import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner } from '@keyline/core';
import { buildLog } from './fixtures.js';
import { sqliteAuditDatabase, type AuditDatabase } from './sql-databases.js';

const DOC = fileURLToPath(new URL('../../../../docs/audit.md', import.meta.url));

/** The Python verifier docs/audit.md gives auditors, pointed at `path`. */
function docsVerifier(path: string): string {
  const block = /```python\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1];
  if (block === undefined) throw new Error('docs/audit.md has no python block');
  return block.replace("'keyline-data/keyline.db'", JSON.stringify(path));
}

describe('the independent verifier in docs/audit.md', () => {
  let db: AuditDatabase;
  beforeAll(async () => {
    db = await sqliteAuditDatabase();
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('accepts a log Keyline wrote (checkpoints included) and refuses an edited one', async () => {
    await buildLog(db.store, 30, { signer: generateSigner('P-256'), every: 10 });
    const script = docsVerifier(db.sqlitePath!);
    const intact = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(intact.stderr).toBe('');
    expect(intact.status).toBe(0);
    await db.tamperer.update(17, { actor: 'someone' });
    const broken = spawnSync('python3', ['-c', script], { encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/AssertionError: 17/);
  });
});
