import { randomBytes } from 'node:crypto';
import { isKeylineError } from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ca/store-port.js';
import { issuingCaRow } from './support/ca-record.js';

/**
 * The factory journal's part of the store contract (ca/store-port.ts, FactoryJournalRepository),
 * run against each engine by factory-journal.sqlite.test.ts and factory-journal.postgres.test.ts.
 * Every test uses fresh ids, so engines whose tests share a database need no truncation.
 */
export function describeFactoryJournalContract(name: string, factory: () => Promise<Store>): void {
  describe(`Factory journal contract: ${name}`, () => {
    let store: Store;
    const T0 = new Date('2026-01-01T00:00:00.000Z');
    const at = (s: number) => new Date(T0.getTime() + s * 1000);
    const hex = (n: number) => randomBytes(n).toString('hex');

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    async function batch(count = 3) {
      const caId = `ca_${hex(6)}`;
      await store.cas.insert(issuingCaRow(caId, T0));
      return store.factory.createBatch({
        id: `b-${hex(6)}`,
        caId,
        productId: 'p1',
        count,
        source: 'emulator:/tray',
        status: 'open',
        owner: null,
        manifestPath: null,
        createdAt: T0,
      });
    }

    it('creates a batch, reads it back, refuses its id again, completes it', async () => {
      const b = await batch(7);
      expect(await store.factory.getBatch(b.id)).toEqual(b);
      expect(b).toMatchObject({ count: 7, status: 'open', owner: null, manifestPath: null, updatedAt: T0 });
      const again = await store.factory.createBatch({ ...b }).catch((e: unknown) => e);
      expect(isKeylineError(again, 'ERR_STORE_CONFLICT')).toBe(true);
      const done = await store.factory.completeBatch(b.id, '/m.jsonl', at(5));
      expect(done).toMatchObject({ status: 'complete', manifestPath: '/m.jsonl', updatedAt: at(5) });
      expect(await store.factory.getBatch('nope')).toBeUndefined();
    });

    it('hands the batch to one owner at a time (compare and set)', async () => {
      const b = await batch();
      expect(await store.factory.claimBatch(b.id, 'a', null, at(1))).toBe(true);
      expect(await store.factory.claimBatch(b.id, 'b', null, at(2))).toBe(false);
      expect(await store.factory.claimBatch(b.id, 'b', 'x', at(2))).toBe(false);
      expect(await store.factory.claimBatch(b.id, 'b', 'a', at(3))).toBe(true);
      expect((await store.factory.getBatch(b.id))?.owner).toBe('b');
      expect(await store.factory.claimBatch(b.id, null, 'b', at(4))).toBe(true);
      expect((await store.factory.getBatch(b.id))?.owner).toBeNull();
    });

    it('claims chips once across batches, lists them in position order and pages', async () => {
      const b = await batch();
      const serials = Array.from({ length: 5 }, () => hex(9));
      await store.factory.addChips(
        b.id,
        serials.map((chipSerial, position) => ({ chipSerial, position })),
        at(1),
      );
      const page1 = await store.factory.listChips(b.id, -1, 3);
      expect(page1.map((c) => c.chipSerial)).toEqual(serials.slice(0, 3));
      expect(page1[0]).toMatchObject({ state: 'claimed', attempt: 0, publicKey: null, certSerial: null, position: 0 });
      const page2 = await store.factory.listChips(b.id, page1[2]!.position, 3);
      expect(page2.map((c) => c.chipSerial)).toEqual(serials.slice(3));
      // A chip belongs to one batch: claiming it for another is a conflict, and nothing of that call stays.
      const other = await batch();
      const error = await store.factory
        .addChips(
          other.id,
          [
            { chipSerial: hex(9), position: 0 },
            { chipSerial: serials[0]!, position: 1 },
          ],
          at(2),
        )
        .catch((e: unknown) => e);
      expect(isKeylineError(error, 'ERR_STORE_CONFLICT')).toBe(true);
      expect(await store.factory.listChips(other.id, -1, 10)).toEqual([]);
      const found = await store.factory.findChips([serials[1]!, 'ffff', serials[4]!]);
      expect(found.map((c) => c.chipSerial).sort()).toEqual([serials[1], serials[4]].sort());
      expect(await store.factory.countStates(b.id)).toEqual({ claimed: 5 });
    });

    it('updates entries only from their expected state, all or none', async () => {
      const b = await batch();
      const [s1, s2] = [hex(9), hex(9)];
      await store.factory.addChips(
        b.id,
        [
          { chipSerial: s1, position: 0 },
          { chipSerial: s2, position: 1 },
        ],
        at(1),
      );
      const key = new Uint8Array(65).fill(4);
      await store.factory.updateChips(
        b.id,
        [{ chipSerial: s1, from: 'claimed', state: 'key-made', attempt: 1, publicKey: key, requestId: 'r1' }],
        at(2),
      );
      const [e1] = await store.factory.findChips([s1]);
      expect(e1).toMatchObject({ state: 'key-made', attempt: 1, requestId: 'r1', updatedAt: at(2) });
      expect(Buffer.from(e1!.publicKey!)).toEqual(Buffer.from(key));
      // The second update's expected state is wrong: neither applies.
      const error = await store.factory
        .updateChips(
          b.id,
          [
            { chipSerial: s2, from: 'claimed', state: 'quarantined', reason: 'r', code: 'ERR_X' },
            { chipSerial: s1, from: 'claimed', state: 'issuing' },
          ],
          at(3),
        )
        .catch((e: unknown) => e);
      expect(isKeylineError(error, 'ERR_STORE_CONFLICT')).toBe(true);
      expect(await store.factory.countStates(b.id)).toEqual({ claimed: 1, 'key-made': 1 });
      // Many rows of one transition in one statement, each with its own values.
      const more = Array.from({ length: 250 }, (_, i) => ({ chipSerial: hex(9), position: 10 + i }));
      await store.factory.addChips(b.id, more, at(4));
      await store.factory.updateChips(
        b.id,
        more.map((c, i) => ({
          chipSerial: c.chipSerial,
          from: 'claimed' as const,
          state: 'key-made' as const,
          attempt: i + 1,
          publicKey: new Uint8Array(65).fill(i % 256),
          requestId: `q${i}`,
          certSerial: null,
        })),
        at(4),
      );
      const after = await store.factory.findChips(more.map((c) => c.chipSerial));
      for (const entry of after) {
        const i = entry.position - 10;
        expect(entry).toMatchObject({ state: 'key-made', attempt: i + 1, requestId: `q${i}`, certSerial: null });
        expect(entry.publicKey![0]).toBe(i % 256);
      }
      // A repeated chip in one call is refused.
      const twice = await store.factory
        .updateChips(
          b.id,
          [
            { chipSerial: more[0]!.chipSerial, from: 'key-made', state: 'issuing' },
            { chipSerial: more[0]!.chipSerial, from: 'key-made', state: 'issuing' },
          ],
          at(5),
        )
        .catch((e: unknown) => e);
      expect(isKeylineError(twice, 'ERR_STORE_CONFLICT')).toBe(true);
      await store.factory.updateChips(
        b.id,
        [
          {
            chipSerial: s2,
            from: 'claimed',
            state: 'quarantined',
            reason: 'write failed',
            code: 'ERR_SE_EXECUTION_FAILED',
          },
        ],
        at(4),
      );
      const [q] = await store.factory.findChips([s2]);
      expect(q).toMatchObject({ state: 'quarantined', reason: 'write failed', code: 'ERR_SE_EXECUTION_FAILED' });
      // Inside a caller's transaction that fails, nothing stays.
      await store
        .transaction(async (tx) => {
          await tx.factory.updateChips(b.id, [{ chipSerial: s1, from: 'key-made', state: 'issuing' }], at(5));
          throw new Error('rollback');
        })
        .catch(() => undefined);
      expect((await store.factory.findChips([s1]))[0]?.state).toBe('key-made');
    });

    it('lists done chips with the certificate their serial names at the batch CA', async () => {
      const b = await batch();
      const s1 = hex(9);
      await store.factory.addChips(b.id, [{ chipSerial: s1, position: 0 }], at(1));
      const serialHex = `4${hex(15)}0`;
      const cert = await store.certificates.reserve({
        id: `crt_${hex(4)}`,
        caId: b.caId,
        serialHex,
        profile: 'device',
        subject: 'CN=d',
        at: at(1),
      });
      await store.certificates.markSigning(cert.id, Buffer.from('tbs'), at(0), at(9), at(1));
      await store.certificates.markValid(cert.id, Buffer.from('the-der'), hex(32), at(1));
      expect(await store.factory.listManifestRows(b.id, -1, 10)).toEqual([]);
      for (const [from, state] of [
        ['claimed', 'key-made'],
        ['key-made', 'issuing'],
        ['issuing', 'issued'],
        ['issued', 'done'],
      ] as const) {
        await store.factory.updateChips(
          b.id,
          [{ chipSerial: s1, from, state, ...(state === 'issued' && { certSerial: serialHex }) }],
          at(2),
        );
      }
      const rows = await store.factory.listManifestRows(b.id, -1, 10);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.chip).toMatchObject({ chipSerial: s1, state: 'done', certSerial: serialHex });
      expect(Buffer.from(rows[0]!.certificateDer).toString()).toBe('the-der');
      expect(await store.factory.listManifestRows(b.id, 0, 10)).toEqual([]);
    });

    it('records revocations once and marks them made', async () => {
      const b = await batch();
      const row = {
        batchId: b.id,
        chipSerial: 'aa',
        certSerial: '41',
        reason: 'superseded' as const,
        why: 'w',
        createdAt: at(1),
      };
      await store.factory.addRevocations([row, { ...row, certSerial: '42', reason: 'cessationOfOperation' }]);
      await store.factory.addRevocations([row]);
      expect(await store.factory.listRevocations(b.id, true)).toHaveLength(2);
      await store.factory.markRevoked(b.id, '41', at(2));
      const pending = await store.factory.listRevocations(b.id, true);
      expect(pending.map((r) => r.certSerial)).toEqual(['42']);
      const all = await store.factory.listRevocations(b.id);
      expect(all.find((r) => r.certSerial === '41')).toMatchObject({
        revokedAt: at(2),
        reason: 'superseded',
        why: 'w',
      });
    });
  });
}
