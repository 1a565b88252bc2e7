import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKeylineError } from '@keyline/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaRecord } from '../../src/ca/records.js';
import type { NewPreparedCertificate, Store } from '../../src/ca/store-port.js';
import { initStore } from '../../src/store/index.js';
import { describeWithPostgres, sharedTestDatabase } from './support/postgres.js';
import { issuingCaRow } from './support/ca-record.js';

/**
 * The issuance cycle's one-write batch path (store-port.ts `prepareMany`, `markValidMany` with
 * `tbsInDer`) on both engines: rows stored directly as `signing` with their TBS, all or none;
 * a recorded certificate keeps one copy of its TBS, inside its DER.
 */

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const hex = (n: number) => randomBytes(n).toString('hex');

/** A DER-shaped certificate around `tbs`: SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }. */
function certificateAround(tbs: Uint8Array): Uint8Array {
  const algorithm = Buffer.from('300a06082a8648ce3d040302', 'hex');
  const bits = Buffer.from([0x03, 0x03, 0x00, 0xaa, 0xbb]);
  const content = Buffer.concat([tbs, algorithm, bits]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, content.length]), content]));
}

function tbsOf(k: number): Uint8Array {
  const body = Buffer.from(`tbs-${k}-${hex(4)}`);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
}

function describePreparedBatch(name: string, open: () => Promise<{ store: Store; close: () => Promise<void> }>) {
  describe(`prepared batches: ${name}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let ca: CaRecord;

    beforeEach(async () => {
      ({ store, close } = await open());
      ca = await store.cas.insert(issuingCaRow(`ca_${hex(4)}`, T0));
    });
    afterEach(async () => close());

    const row = (k: number, overrides: Partial<NewPreparedCertificate> = {}): NewPreparedCertificate => ({
      id: `crt_${hex(10)}`,
      caId: ca.id,
      serialHex: `4f${hex(15)}`,
      profile: 'device',
      subject: `CN=dev-${k}`,
      deviceId: `dev-${k}`,
      chipSerial: `chip-${k}`,
      requestId: k % 2 === 0 ? `r-${k}` : null,
      at: at(1),
      tbsDer: tbsOf(k),
      notBefore: at(0),
      notAfter: at(3600),
      ...overrides,
    });

    it('stores a batch as signing with its TBS in one step, then records it keeping the TBS once', async () => {
      const { prepareMany, markValidMany } = store.certificates;
      expect(prepareMany).toBeDefined();
      const rows = Array.from({ length: 250 }, (_, k) => row(k));
      const prepared = await store.transaction((tx) => tx.certificates.prepareMany!(rows));
      expect(prepared.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      expect(prepared[5]).toEqual(await store.certificates.get(rows[5]!.id));
      expect(prepared[5]).toMatchObject({
        status: 'signing',
        notAfter: at(3600),
        requestId: null,
        chipSerial: 'chip-5',
      });
      expect(Buffer.compare(prepared[4]!.tbsDer!, rows[4]!.tbsDer)).toBe(0);
      // What recovery reads: the unfinished records, each with the TBS it would list as revoked.
      const unfinished = await store.certificates.listUnfinished(ca.id);
      expect(unfinished).toHaveLength(250);
      expect(unfinished.every((r) => r.status === 'signing' && r.tbsDer !== null)).toBe(true);

      const ders = rows.map((r) => certificateAround(r.tbsDer));
      const valid = await store.transaction((tx) =>
        markValidMany!.call(
          tx.certificates,
          rows.map((r, k) => ({ id: r.id, der: ders[k]!, fingerprint: `fp-${k}` })),
          at(2),
          { tbsInDer: true },
        ),
      );
      expect(valid.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      const again = await store.certificates.get(rows[7]!.id);
      expect(valid[7]).toEqual(again);
      expect(again).toMatchObject({ status: 'valid', fingerprint: 'fp-7', updatedAt: at(2) });
      expect(Buffer.compare(again!.der!, ders[7]!)).toBe(0);
      // The record's TBS is the DER's first element: the same bytes, stored once.
      expect(Buffer.compare(again!.tbsDer!, rows[7]!.tbsDer)).toBe(0);
      expect(again!.tbsDer!.buffer).toBe(again!.der!.buffer);
      expect(await store.certificates.listUnfinished(ca.id)).toEqual([]);
    });

    it('stores none of a batch when one row takes a stored key, naming it; a missing row fails the record step', async () => {
      const prepareMany = store.certificates.prepareMany!;
      const stored = await prepareMany.call(store.certificates, [row(0)]);
      const batch = [row(1), row(3), row(5, { serialHex: stored[0]!.serialHex })];
      const error = await prepareMany.call(store.certificates, batch).catch((e: unknown) => e);
      expect(isKeylineError(error, 'ERR_STORE_CONFLICT')).toBe(true);
      expect((error as { detail: unknown }).detail).toMatchObject({ key: 'serialHex' });
      expect(await store.certificates.count({ caId: ca.id })).toBe(1);
      const byRequest = await prepareMany
        .call(store.certificates, [row(2), row(4, { requestId: 'r-0' })])
        .catch((e: unknown) => e);
      expect((byRequest as { detail: unknown }).detail).toMatchObject({ key: 'requestId' });
      const twice = row(6);
      const inBatch = await prepareMany.call(store.certificates, [twice, { ...twice }]).catch((e: unknown) => e);
      expect(isKeylineError(inBatch, 'ERR_STORE_CONFLICT')).toBe(true);
      expect(await store.certificates.count({ caId: ca.id })).toBe(1);

      // Recording: a row not in `signing` changes none of the batch.
      const ok = await prepareMany.call(store.certificates, [row(8)]);
      const missing = await store.certificates.markValidMany!(
        [
          { id: ok[0]!.id, der: certificateAround(tbsOf(8)), fingerprint: 'a' },
          { id: 'crt_none', der: certificateAround(tbsOf(9)), fingerprint: 'b' },
        ],
        at(3),
        { tbsInDer: true },
      ).catch((e: unknown) => e);
      expect(isKeylineError(missing, 'ERR_STORE_NOT_FOUND')).toBe(true);
      expect((await store.certificates.get(ok[0]!.id))?.status).toBe('signing');
    });

    it('keeps the TBS column when the caller does not say the DER holds it', async () => {
      const [p] = await store.certificates.prepareMany!([row(0)]);
      const [v] = await store.certificates.markValidMany!(
        [{ id: p!.id, der: Buffer.from([0x30, 0x00]), fingerprint: 'f' }],
        at(4),
      );
      expect(Buffer.compare(v!.tbsDer!, p!.tbsDer!)).toBe(0);
      expect(Buffer.from(v!.der!)).toEqual(Buffer.from([0x30, 0x00]));
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'keyline-prepared-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describePreparedBatch('SQLite', async () => {
  n += 1;
  const store = await initStore({ dataDir: join(root, `data-${n}`) }, { env: {} });
  return { store, close: () => store.close() };
});

await describeWithPostgres('PostgreSQL', () => {
  const database = sharedTestDatabase();
  describePreparedBatch('PostgreSQL', async () => {
    const db = database();
    const store = await initStore({ dbUrl: db.url }, { env: {} });
    return {
      store,
      close: async () => {
        await store.close();
        await db.truncate();
      },
    };
  });
});
