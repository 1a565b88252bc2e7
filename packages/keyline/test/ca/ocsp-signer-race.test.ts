import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Certificate, OcspResponse, seededRandom } from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthorityContext, type AuthorityEvent } from '../../src/ca/context.js';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { ensureOcspSigner, type OcspSigner } from '../../src/ca/ocsp-signer.js';
import type { CertificateRecord } from '../../src/ca/records.js';
import { SYSTEM_ACTOR, type KeyProvider } from '../../src/ca/service-port.js';
import type { Store } from '../../src/ca/store-port.js';
import { initStore, openStore } from '../../src/store/index.js';
import { testDatabase, type TestDatabase } from '../store/postgres-harness.js';
import { describeWithPostgres } from '../store/support/postgres.js';
import { manualClock, type ManualClock } from './support/clock.js';
import { deviceCsr, makeHierarchy, type Hierarchy } from './support/hierarchy.js';
import { memoryKeys, type CountingKeys } from './support/keys.js';
import { ocspRequestFor } from './support/ocsp.js';
import { sqliteStore } from './support/store.js';

const DAY = 86_400_000;

/**
 * Keys whose `generate` waits until `parties` callers are in it: every caller has then read the
 * CA (no signer, or one due) before any records a new one, which is the race between processes
 * that `keyline serve --ocsp-workers` can meet, made certain.
 */
function barrierKeys(keys: KeyProvider, parties: number): KeyProvider {
  let waiting: (() => void)[] = [];
  return {
    open: (keyUri) => keys.open(keyUri),
    destroy: (keyUri) => keys.destroy!(keyUri),
    async generate(request) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === parties) {
          for (const go of waiting) go();
          waiting = [];
        }
      });
      return keys.generate(request);
    },
  };
}

interface Setup {
  /** One store per process being imitated (the same one for SQLite, see below). */
  readonly stores: readonly Store[];
  dispose(): Promise<void>;
}

function raceSuite(name: string, open: (parties: number) => Promise<Setup>): void {
  describe(`two makers of one CA's OCSP signer at once (${name})`, () => {
    const PARTIES = 3;
    let setup: Setup;
    let keys: CountingKeys;
    let clock: ManualClock;
    let h: Hierarchy;
    let contexts: AuthorityContext[];
    let events: AuthorityEvent[];

    beforeEach(async () => {
      setup = await open(PARTIES);
      keys = memoryKeys();
      clock = manualClock();
      const admin = createCertificateAuthority({ store: setup.stores[0]!, keys, clock, random: seededRandom(1) });
      h = await makeHierarchy(admin);
      admin.close();
      const racing = barrierKeys(keys, PARTIES);
      events = [];
      // Each with a random source of its own, as separate processes have (key labels differ).
      contexts = Array.from({ length: PARTIES }, (_, k) => {
        const ctx = new AuthorityContext({
          store: setup.stores[k % setup.stores.length]!,
          keys: racing,
          clock,
          random: seededRandom(100 + k),
        });
        ctx.on((event) => events.push(event));
        return ctx;
      });
    });
    afterEach(async () => setup.dispose());

    const signerRecords = async (): Promise<CertificateRecord[]> =>
      (await setup.stores[0]!.certificates.search({ caId: h.issuing.id }, { limit: 1000 })).items.filter(
        (r) => r.profile === 'ocsp-signer',
      );

    /** Every caller got the signer on record; each other certificate made is revoked as superseded. */
    const expectOneSigner = async (results: readonly OcspSigner[], made: number): Promise<Certificate> => {
      const ca = (await setup.stores[0]!.cas.get(h.issuing.id))!;
      const recorded = Certificate.fromDer(ca.ocspSignerDer!);
      for (const r of results) expect(Buffer.compare(r.certificate.der, recorded.der)).toBe(0);
      for (const r of results) expect(Buffer.compare(r.signer.publicKeySpki, recorded.spki)).toBe(0);
      const fresh = (await signerRecords()).filter((r) => r.createdAt.getTime() === clock.now().getTime());
      expect(fresh).toHaveLength(made);
      const winners = fresh.filter((r) => r.status === 'valid');
      expect(winners.map((r) => r.serialHex)).toEqual([recorded.serialHex]);
      const losers = fresh.filter((r) => r.status !== 'valid');
      expect(losers).toHaveLength(made - 1);
      for (const loser of losers) {
        expect(loser).toMatchObject({ status: 'revoked', revocationReason: 'superseded' });
        expect(events).toContainEqual({ type: 'revoked', caId: h.issuing.id, record: loser });
      }
      // Each revocation is in the audit log, as any revocation is.
      const store = setup.stores[0]!;
      const log = await store.audit.range(1, await store.audit.count());
      const revocations = log.filter((e) => e.action === 'cert.revoke' && e.details['reason'] === 'superseded');
      for (const loser of losers) {
        expect(revocations.map((e) => e.target)).toContain(`${h.issuing.id}:${loser.serialHex}`);
      }
      // The losers' keys are destroyed (and that audited); the winner's stays.
      const loserKeys = revocations.map((e) => e.details['keyUri'] as string);
      expect(loserKeys).toHaveLength(made - 1);
      const destroyed = log.filter((e) => e.action === 'key.destroy').map((e) => e.details['keyUri']);
      for (const keyUri of loserKeys) {
        expect(keys.uris()).not.toContain(keyUri);
        expect(destroyed).toContain(keyUri);
      }
      expect(keys.uris()).toContain(ca.ocspSignerKeyUri);
      return recorded;
    };

    it('keeps one: every caller gets the same signer, the others made are revoked (superseded)', async () => {
      expect((await setup.stores[0]!.cas.get(h.issuing.id))!.ocspSignerDer).toBeNull();
      const results = await Promise.all(contexts.map((ctx) => ensureOcspSigner(ctx, h.issuing.id, SYSTEM_ACTOR)));
      await expectOneSigner(results, PARTIES);
    });

    it('keeps one at renewal time too; the signer renewed stays valid until it expires', async () => {
      const alone = new AuthorityContext({ store: setup.stores[0]!, keys, clock, random: seededRandom(3) });
      const first = await ensureOcspSigner(alone, h.issuing.id, SYSTEM_ACTOR);
      clock.advance(21 * DAY); // past two thirds of its 30 days, for every process at once
      const results = await Promise.all(contexts.map((ctx) => ensureOcspSigner(ctx, h.issuing.id, SYSTEM_ACTOR)));
      const renewed = await expectOneSigner(results, PARTIES);
      expect(renewed.serialHex).not.toBe(first.certificate.serialHex);
      const old = await setup.stores[0]!.certificates.getBySerial(h.issuing.id, first.certificate.serialHex);
      expect(old?.status).toBe('valid');
    });

    it('through the responders: the answers of every process carry the one signer on record', async () => {
      const issuer = createCertificateAuthority({ store: setup.stores[0]!, keys, clock, random: seededRandom(2) });
      const device = await issuer.issue(
        { caId: h.issuing.id, csrDer: await deviceCsr('0badcafe'), profile: 'device' },
        SYSTEM_ACTOR,
      );
      issuer.close();
      const request = ocspRequestFor(h.issuing, device.record.serialHex);
      const racing = barrierKeys(keys, PARTIES);
      const responders = contexts.map((ctx, k) =>
        createCertificateAuthority({ store: ctx.store, keys: racing, clock, random: seededRandom(300 + k) }),
      );
      try {
        const answers = await Promise.all(responders.map((ca) => ca.ocspRespond(h.issuing.id, request)));
        const ca = (await setup.stores[0]!.cas.get(h.issuing.id))!;
        for (const der of answers) {
          const basic = OcspResponse.fromDer(der).basic!;
          expect(basic.responses[0]!.certStatus).toEqual({ status: 'good' });
          expect(Buffer.compare(basic.certs[0]!, ca.ocspSignerDer!)).toBe(0);
        }
        const signers = await signerRecords();
        expect(signers.filter((r) => r.status === 'valid')).toHaveLength(1);
        expect(signers.filter((r) => r.revocationReason === 'superseded')).toHaveLength(PARTIES - 1);
      } finally {
        for (const ca of responders) ca.close();
      }
    });
  });
}

// SQLite: one connection, shared by the racers as processes share the file; the store lets their
// transactions take turns (two connections of one process would wait on each other's write lock
// while holding the only thread). Between processes, test/e2e/serve-ocsp-port.test.ts.
raceSuite('SQLite', async () => {
  const { store, dispose } = await sqliteStore();
  return { stores: [store], dispose };
});

// PostgreSQL: a connection (pool) per racer, so the compare-and-set meets real concurrent
// transactions and row locks.
await describeWithPostgres('over PostgreSQL', () => {
  raceSuite('PostgreSQL, a connection per racer', async (parties) => {
    const db: TestDatabase = await testDatabase(false);
    const dir = mkdtempSync(join(tmpdir(), 'keyline-ocsp-race-'));
    const first = await initStore({ dataDir: dir, dbUrl: db.url });
    const stores: Store[] = [first];
    for (let k = 1; k < parties; k++) stores.push(await openStore({ dataDir: dir, dbUrl: db.url }));
    return {
      stores,
      dispose: async () => {
        for (const store of stores) await store.close();
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});
