import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeylineError, generateSigner } from '@keyline/core';
import { GENESIS_HASH, assertAuditIntact, verifyAudit, writeCheckpoint } from '../../src/audit/index.js';
import { buildLog, rowHash, steppingClock } from './fixtures.js';
import { memoryStore } from './memory-audit-repository.js';
import { memoryTamperer } from './memory-tamperer.js';
import { TAMPER_CASES, rewriteChain } from './tamper-cases.js';

describe('verifyAudit on an intact log', () => {
  it('accepts an empty log', async () => {
    const result = await verifyAudit(memoryStore());
    expect(result).toEqual({
      ok: true,
      entries: 0,
      checkpoints: 0,
      lastSeq: 0,
      lastHash: GENESIS_HASH,
      lastCheckpointSeq: null,
      signaturesChecked: false,
    });
  });

  it('counts entries and checkpoints and reports the last hash', async () => {
    const store = memoryStore();
    const signer = generateSigner('P-256');
    const entries = await buildLog(store, 25, { signer, every: 10 });
    const result = await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki });
    // Checkpoints take seq 10 and 20; the 25 events take 1–9, 11–19 and 21–27.
    expect(result).toEqual({
      ok: true,
      entries: 27,
      checkpoints: 2,
      lastSeq: 27,
      lastHash: entries.at(-1)!.hash,
      lastCheckpointSeq: 20,
      signaturesChecked: true,
    });
  });

  it.each([1, 2, 3, 7, 1000])('reads in batches of %i with bounded memory', async (batchSize) => {
    const store = memoryStore();
    await buildLog(store, 30);
    const result = await verifyAudit(store, { batchSize });
    expect(result.ok).toBe(true);
    // Each window after the first re-reads the row at its lower bound (see AuditCursor).
    expect(store.audit.largestRange).toBeLessThanOrEqual(batchSize + 1);
  });

  it('refuses bad options as programming errors', async () => {
    await expect(verifyAudit(memoryStore(), { batchSize: 0 })).rejects.toThrow(TypeError);
    await expect(verifyAudit(memoryStore(), { anchor: { seq: 0, hash: GENESIS_HASH } })).rejects.toThrow(TypeError);
    await expect(verifyAudit(memoryStore(), { anchor: { seq: 1, hash: 'AB' } })).rejects.toThrow(TypeError);
  });

  it('refuses a malformed audit key with a KeylineError', async () => {
    await expect(
      verifyAudit(memoryStore(), { auditPublicKeySpki: new Uint8Array([0x30, 0x00]) }),
    ).rejects.toMatchObject({
      name: 'KeylineError',
    });
  });
});

describe('verifyAudit names the first entry tampered with', () => {
  it.each(TAMPER_CASES)('$name', async ({ entries, tamper, expect: expected }) => {
    for (const batchSize of [1, 4, 1000]) {
      const store = memoryStore();
      await buildLog(store, entries);
      await tamper(memoryTamperer(store.audit));
      const result = await verifyAudit(store, { batchSize });
      if (expected === 'undetected') {
        expect(result.ok).toBe(true);
      } else {
        expect(result).toMatchObject({ ok: false, ...expected });
        if (!result.ok) expect(result.message).toMatch(new RegExp(`^entry ${expected.seq} (was|is) `));
      }
    }
  });

  it('reports two rows with one seq (a schema without a key on seq) as inserted', async () => {
    const store = memoryStore();
    await buildLog(store, 8);
    store.audit.rows.push({ ...store.audit.row(4), target: 'copy' });
    expect(await verifyAudit(store)).toMatchObject({ ok: false, seq: 4, problem: 'inserted' });
    // Whichever of the two a store returns first.
    store.audit.rows.reverse();
    expect(await verifyAudit(store)).toMatchObject({ ok: false, seq: 4, problem: 'inserted' });
  });

  it('reports a seq that is not a whole number as inserted', async () => {
    const store = memoryStore();
    await buildLog(store, 8);
    store.audit.rows.push({ ...store.audit.row(4), seq: 4.5 });
    for (const batchSize of [1, 4, 100]) {
      expect(await verifyAudit(store, { batchSize })).toMatchObject({ ok: false, seq: 4.5, problem: 'inserted' });
    }
  });

  it('reports a details member that is not JSON the log could have written as changed', async () => {
    const store = memoryStore();
    await buildLog(store, 4);
    store.audit.row(2).details = '{"n":NaN}'.replace('NaN', '1e999');
    expect(await verifyAudit(store)).toMatchObject({ ok: false, seq: 2, problem: 'changed' });
  });

  it.each([1, 3, 100])('locates a row the store cannot read back (batches of %i)', async (batchSize) => {
    const store = memoryStore();
    await buildLog(store, 12);
    store.audit.row(8).details = '{not json';
    const result = await verifyAudit(store, { batchSize });
    expect(result).toMatchObject({ ok: false, seq: 8, problem: 'changed', checked: 7 });
    if (!result.ok) expect(result.message).toMatch(/^entry 8 was changed: it cannot be read back \(SyntaxError: /);
  });

  it('reports a last row the store cannot read back', async () => {
    const store = memoryStore();
    await buildLog(store, 12);
    store.audit.row(12).details = '';
    expect(await verifyAudit(store)).toMatchObject({ ok: false, seq: 12, problem: 'changed' });
  });

  it('passes on failures of the store itself', async () => {
    const store = memoryStore();
    await buildLog(store, 3);
    store.audit.range = async () => {
      throw new KeylineError('ERR_STORE_UNAVAILABLE');
    };
    await expect(verifyAudit(store)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  });

  it('crosses a gap of any size in a few reads', async () => {
    const store = memoryStore();
    await buildLog(store, 3);
    store.audit.row(3).seq = Number.MAX_SAFE_INTEGER;
    const result = await verifyAudit(store);
    expect(result).toMatchObject({ ok: false, seq: 3 });
    expect(store.audit.ranges).toBeLessThan(200);
  });
});

describe('checkpoints', () => {
  const signer = generateSigner('P-256');

  it('detects a rewrite with recomputed hashes at the next checkpoint', async () => {
    const store = memoryStore();
    await buildLog(store, 25, { signer, every: 10 });
    // Checkpoints at 10 and 20. Rewrite entry 15 and everything after it.
    await rewriteChain(memoryTamperer(store.audit), 15, { target: 'rewritten' }, 27);
    const withKey = await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki });
    expect(withKey).toMatchObject({ ok: false, seq: 20, problem: 'bad-checkpoint' });
    if (!withKey.ok) expect(withKey.message).toMatch(/^entry 20 is a bad checkpoint: /);
  });

  it('finds the rewrite through the checkpoint structure even without the key', async () => {
    const store = memoryStore();
    await buildLog(store, 25, { signer, every: 10 });
    // The covered hash in checkpoint 20 no longer matches entry 19 once the chain is rewritten.
    await rewriteChain(memoryTamperer(store.audit), 15, { target: 'rewritten' }, 27);
    const result = await verifyAudit(store);
    expect(result).toMatchObject({ ok: false, seq: 20, problem: 'bad-checkpoint' });
    if (!result.ok)
      expect(result.message).toBe(
        'entry 20 is a bad checkpoint: it covers a different entry 19 than the one before it',
      );
  });

  it('needs the key when the attacker also rewrites the checkpoint', async () => {
    const store = memoryStore();
    await buildLog(store, 25, { signer, every: 10 });
    const t = memoryTamperer(store.audit);
    await rewriteChain(t, 15, { target: 'rewritten' }, 27);
    // Make checkpoint 20 cover the rewritten entry 19, with the old signature (no key to re-sign).
    const cp = await t.get(20);
    const details = { ...JSON.parse(cp.details), hash: (await t.get(19)).hash };
    await rewriteChain(t, 20, { details: JSON.stringify(details) }, 27);
    expect((await verifyAudit(store)).ok).toBe(true);
    const result = await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki });
    expect(result).toMatchObject({ ok: false, seq: 20, problem: 'bad-checkpoint' });
    if (!result.ok) expect(result.message).toContain('signature does not verify');
  });

  it('refuses a checkpoint signed by another key', async () => {
    const store = memoryStore();
    await buildLog(store, 12, { signer, every: 10 });
    const other = generateSigner('P-256');
    const result = await verifyAudit(store, { auditPublicKeySpki: other.publicKeySpki });
    expect(result).toMatchObject({ ok: false, seq: 10, problem: 'bad-checkpoint' });
    if (!result.ok) expect(result.message).toContain('not by the audit key given');
    // Either key of a ring will do (key rotation).
    expect((await verifyAudit(store, { auditPublicKeySpki: [other.publicKeySpki, signer.publicKeySpki] })).ok).toBe(
      true,
    );
  });

  it.each(['P-384', 'ed25519'] as const)('verifies checkpoints signed with %s', async (curve) => {
    const store = memoryStore();
    const key = generateSigner(curve);
    await buildLog(store, 5, { signer: key, every: 3 });
    // Checkpoints at seq 3 and 6; events at 1, 2, 4, 5, 7.
    expect(await verifyAudit(store, { auditPublicKeySpki: key.publicKeySpki })).toMatchObject({
      ok: true,
      entries: 7,
      checkpoints: 2,
    });
  });

  it('reports a checkpoint whose signature was edited (hash not recomputed) as changed', async () => {
    const store = memoryStore();
    await buildLog(store, 12, { signer, every: 10 });
    const row = store.audit.row(10);
    const details = JSON.parse(row.details) as Record<string, string>;
    row.details = JSON.stringify({ ...details, signature: Buffer.alloc(70, 1).toString('base64') });
    expect(await verifyAudit(store)).toMatchObject({ ok: false, seq: 10, problem: 'changed' });
  });

  it.each([
    ['an extra member', (d: Record<string, unknown>) => ({ ...d, extra: 1 })],
    ['a missing signature', ({ signature: _, ...d }: Record<string, unknown>) => d],
    ['an unknown algorithm', (d: Record<string, unknown>) => ({ ...d, algorithm: 'rsa-sha1' })],
    ['a signature that is not base64', (d: Record<string, unknown>) => ({ ...d, signature: 'not base64!' })],
    ['a signature of the wrong form', (d: Record<string, unknown>) => ({ ...d, signature: 'AAAA' })],
    ['a covered seq that is not the previous entry', (d: Record<string, unknown>) => ({ ...d, seq: 3 })],
  ])('refuses a checkpoint with %s (hashes recomputed)', async (_name, edit) => {
    const store = memoryStore();
    await buildLog(store, 12, { signer, every: 10 });
    const t = memoryTamperer(store.audit);
    const details = edit(JSON.parse((await t.get(10)).details) as Record<string, unknown>);
    await rewriteChain(t, 10, { details: JSON.stringify(details) }, 13);
    expect(await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki })).toMatchObject({
      ok: false,
      seq: 10,
      problem: 'bad-checkpoint',
    });
  });

  it('accepts a checkpoint of an empty log', async () => {
    const store = memoryStore();
    await writeCheckpoint(store, signer, steppingClock());
    expect(await verifyAudit(store, { auditPublicKeySpki: signer.publicKeySpki })).toMatchObject({
      ok: true,
      entries: 1,
      checkpoints: 1,
      lastCheckpointSeq: 1,
    });
  });
});

describe('anchors', () => {
  it('catches a truncated tail only with an anchor', async () => {
    const store = memoryStore();
    const entries = await buildLog(store, 12);
    const anchor = { seq: 12, hash: entries[11]!.hash };
    store.audit.rows = store.audit.rows.filter((row) => row.seq <= 9);
    expect((await verifyAudit(store)).ok).toBe(true);
    const result = await verifyAudit(store, { anchor });
    expect(result).toMatchObject({ ok: false, seq: 10, problem: 'removed' });
    if (!result.ok)
      expect(result.message).toBe('entry 10 was removed: the log ends at entry 9 but the anchor records entry 12');
  });

  it('catches a tail rewritten with recomputed hashes', async () => {
    const store = memoryStore();
    const entries = await buildLog(store, 12);
    await rewriteChain(memoryTamperer(store.audit), 8, { actor: 'someone-else' }, 12);
    expect((await verifyAudit(store)).ok).toBe(true);
    expect(await verifyAudit(store, { anchor: { seq: 10, hash: entries[9]!.hash } })).toMatchObject({
      ok: false,
      seq: 10,
      problem: 'changed',
    });
    // An anchor before the rewrite still holds.
    expect((await verifyAudit(store, { anchor: { seq: 7, hash: entries[6]!.hash } })).ok).toBe(true);
  });
});

describe('assertAuditIntact', () => {
  it('returns the summary or throws ERR_AUDIT_BROKEN with the seq and problem', async () => {
    const store = memoryStore();
    await buildLog(store, 5);
    await expect(assertAuditIntact(store)).resolves.toMatchObject({ ok: true, entries: 5 });
    store.audit.row(3).target = 'x';
    await expect(assertAuditIntact(store)).rejects.toMatchObject({
      code: 'ERR_AUDIT_BROKEN',
      detail: { seq: 3, problem: 'changed' },
    });
  });
});

describe('one tampering at a random place (property)', () => {
  type Op = 'edit' | 'edit-rehash' | 'remove' | 'renumber' | 'swap' | 'insert' | 'move';
  const expected: Record<Op, string> = {
    edit: 'changed',
    'edit-rehash': 'changed',
    remove: 'removed',
    renumber: 'removed',
    swap: 'reordered',
    insert: 'inserted',
    move: 'reordered',
  };

  it('is always found, at the right entry, with the right name', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 30 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.constantFrom<Op>('edit', 'edit-rehash', 'remove', 'renumber', 'swap', 'insert', 'move'),
        fc.integer({ min: 1, max: 8 }),
        async (n, where, op, batchSize) => {
          const store = memoryStore();
          await buildLog(store, n);
          const t = memoryTamperer(store.audit);
          // Positions that leave the tampering detectable (not the tail an attacker may rewrite).
          const k = 1 + Math.floor(where * (n - 2));
          let seq = k;
          switch (op) {
            case 'edit':
              await t.update(k, { target: 'edited' });
              break;
            case 'edit-rehash': {
              const row = { ...(await t.get(k)), target: 'edited' };
              await t.update(k, { target: 'edited', hash: rowHash(row) });
              break;
            }
            case 'remove':
              await t.remove(k);
              break;
            case 'renumber':
              await t.remove(k);
              await t.shift(k + 1, -1);
              break;
            case 'swap':
              await t.swap(k, k + 1);
              break;
            case 'insert': {
              const model = await t.get(k);
              await t.shift(k, 1);
              await t.insert({ ...model, target: 'forged', hash: 'a'.repeat(64) });
              break;
            }
            case 'move':
              await t.update(k, { seq: n + 50 });
              seq = k;
              break;
          }
          const result = await verifyAudit(store, { batchSize });
          expect(result).toMatchObject({ ok: false, seq, problem: expected[op] });
        },
      ),
      { numRuns: 300 },
    );
  });
});
