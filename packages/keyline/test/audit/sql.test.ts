import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner } from '@keyline/core';
import { appendAudit, verifyAudit } from '../../src/audit/index.js';
import { buildLog, steppingClock } from './fixtures.js';
import { postgresAuditDatabase, postgresAvailable, sqliteAuditDatabase, type AuditDatabase } from './sql-databases.js';
import { TAMPER_CASES, rewriteChain } from './tamper-cases.js';

const engines = [
  ['SQLite', sqliteAuditDatabase, async () => true],
  ['PostgreSQL', postgresAuditDatabase, postgresAvailable],
] as const;

describe.each(engines)('the audit log in %s', (_engine, open, available) => {
  let db: AuditDatabase | undefined;
  let skip = false;

  beforeAll(async () => {
    if (!(await available())) {
      skip = true;
      return;
    }
    db = await open();
  });
  afterAll(async () => {
    await db?.dispose();
  });

  const fresh = async (ctx: { skip: () => void }): Promise<AuditDatabase> => {
    if (skip || db === undefined) ctx.skip();
    await db!.reset();
    return db!;
  };

  it('round-trips entries so that they verify, checkpoints included', async (ctx) => {
    const { store } = await fresh(ctx);
    const signer = generateSigner('P-256');
    const entries = await buildLog(store, 30, { signer, every: 10 });
    expect(await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki, batchSize: 7 })).toEqual({
      ok: true,
      entries: 33,
      checkpoints: 3,
      lastSeq: 33,
      lastHash: entries.at(-1)!.hash,
      lastCheckpointSeq: 30,
      signaturesChecked: true,
    });
  });

  it('appends in the transaction of the change it records: a rollback leaves no entry', async (ctx) => {
    const { store } = await fresh(ctx);
    const clock = steppingClock();
    await appendAudit(store, { actor: 'cli', action: 'ca.create', target: 'ca_1' }, clock);
    await expect(
      store.transaction(async (tx) => {
        await appendAudit(tx, { actor: 'cli', action: 'cert.issue', target: 'ca_1:01' }, clock);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await store.audit.count()).toBe(1);
    const committed = await store.transaction((tx) =>
      appendAudit(tx, { actor: 'cli', action: 'cert.issue', target: 'ca_1:02' }, clock),
    );
    expect(committed.seq).toBe(2);
    expect((await verifyAudit(store)).ok).toBe(true);
  });

  it.for(TAMPER_CASES)('names the first tampered entry: $name', async ({ entries, tamper, expect: expected }, ctx) => {
    const { store, tamperer } = await fresh(ctx);
    await buildLog(store, entries);
    await tamper(tamperer);
    const result = await verifyAudit(store, { batchSize: 4 });
    if (expected === 'undetected') expect(result.ok).toBe(true);
    else expect(result).toMatchObject({ ok: false, ...expected });
  });

  it('reports a row whose details are no longer JSON as changed', async (ctx) => {
    const { store, tamperer } = await fresh(ctx);
    await buildLog(store, 12);
    await tamperer.update(6, { details: '{not json' });
    const result = await verifyAudit(store, { batchSize: 5 });
    expect(result).toMatchObject({ ok: false, seq: 6, problem: 'changed' });
    if (!result.ok) expect(result.message).toMatch(/^entry 6 was changed: it cannot be read back \(SyntaxError/);
  });

  it('reports a last row that cannot be read back as changed', async (ctx) => {
    const { store, tamperer } = await fresh(ctx);
    await buildLog(store, 12);
    await tamperer.update(12, { details: '{not json' });
    expect(await verifyAudit(store)).toMatchObject({ ok: false, seq: 12, problem: 'changed' });
  });

  it('reports the last row moved beyond 2^53 as changed', async (ctx) => {
    const { store, tamperer } = await fresh(ctx);
    await buildLog(store, 12);
    await tamperer.update(12, { seq: 2 ** 60 });
    const result = await verifyAudit(store);
    expect(result).toMatchObject({ ok: false, seq: 12, problem: 'changed' });
  });

  it('finds a rewrite with recomputed hashes at the next signed checkpoint', async (ctx) => {
    const { store, tamperer } = await fresh(ctx);
    const signer = generateSigner('P-256');
    await buildLog(store, 25, { signer, every: 10 });
    await rewriteChain(tamperer, 12, { target: 'rewritten' }, 27);
    expect(await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki })).toMatchObject({
      ok: false,
      seq: 20,
      problem: 'bad-checkpoint',
    });
  });
});
