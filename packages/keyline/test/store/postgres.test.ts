import { describe, expect, it } from 'vitest';
import { initStore, openStore } from '../../src/store/index.js';
import { describeStoreContract } from './contract.js';
import { describeWithPostgres, initOnceThenOpen, sharedTestDatabase } from './support/postgres.js';

await describeWithPostgres('PostgreSQL', () => {
  const database = sharedTestDatabase();

  // initStore creates the database and the schema on the first call; later tests reuse both,
  // emptied.
  describeStoreContract(
    'PostgreSQL',
    initOnceThenOpen(database, (db) => db.truncate()),
  );

  describe('PostgreSQL only: concurrency between connections', () => {
    const ca = {
      id: 'ca_pg',
      label: 'pg',
      kind: 'issuing' as const,
      parentId: null,
      subject: 'CN=pg',
      manufacturerId: null,
      productId: null,
      keyUri: 'file:k',
      certificateDer: null,
      csrDer: null,
      status: 'active' as const,
      fingerprint: null,
      ocspSignerDer: null,
      ocspSignerKeyUri: null,
      createdAt: new Date('2025-01-01T00:00:00Z'),
    };
    const crl = {
      caId: 'ca_pg',
      number: 1n,
      delta: false,
      baseNumber: null,
      thisUpdate: new Date('2025-01-01T00:00:00Z'),
      nextUpdate: new Date('2025-01-02T00:00:00Z'),
      der: new Uint8Array([0x30, 0x00]),
    };
    /** The schema made if this test runs first (vitest -t), and emptied. */
    const emptyStore = async () => {
      const store = await initStore({ dbUrl: database().url }, { env: {} });
      await database().truncate();
      return store;
    };
    const reservation = (id: string) => ({
      id,
      caId: 'ca_pg',
      serialHex: id.replace(/[^0-9a-f]/g, '') + '01',
      profile: 'device' as const,
      subject: 'CN=d',
      at: new Date('2025-01-01T00:00:00Z'),
    });

    it("hides a transaction's writes from other connections until it commits", async () => {
      const store = await emptyStore();
      try {
        await store.cas.insert(ca);
        let seenInside: unknown = 'unset';
        await store.transaction(async (tx) => {
          await tx.certificates.reserve(reservation('c0a1'));
          // Another store: its own connection.
          const other = await openStore({ dbUrl: database().url }, { env: {} });
          try {
            seenInside = await other.certificates.get('c0a1');
          } finally {
            await other.close();
          }
        });
        expect(seenInside).toBeUndefined();
        expect((await store.certificates.get('c0a1'))?.status).toBe('reserved');
      } finally {
        await store.close();
      }
    });

    it('lets issuance at a CA go on while a CRL of that CA is being stored', async () => {
      const store = await emptyStore();
      const other = await openStore({ dbUrl: database().url }, { env: {} });
      try {
        await store.cas.insert(ca);
        await store.transaction(async (tx) => {
          await tx.crls.insert(crl);
          // The CA row is locked FOR NO KEY UPDATE; a reservation's foreign-key check must pass.
          const reserved = await Promise.race([
            other.certificates.reserve(reservation('c0b2')),
            new Promise((_, reject) => setTimeout(() => reject(new Error('issuance blocked by the CRL lock')), 3000)),
          ]);
          expect(reserved).toMatchObject({ status: 'reserved' });
        });
        expect(await store.crls.lastNumber('ca_pg')).toBe(1n);
      } finally {
        await store.close();
        await other.close();
      }
    });
  });
});
