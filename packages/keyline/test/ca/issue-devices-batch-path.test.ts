import { Certificate, CertificateRevocationList, generateSigner, lint } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR, SYSTEM_ACTOR } from '../../src/ca/service-port.js';
import type { Store } from '../../src/ca/store-port.js';
import { SimulatedCrash, faultyStore } from './support/faulty-store.js';
import { makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';
import { ocspStatus } from './support/ocsp.js';

/**
 * The batch path of the issuance cycle on a store with `prepareMany` (SQLite here): each
 * certificate is written once as `signing` with its serial and TBS, then once as `valid` with its
 * DER (the TBS kept only inside the DER). The crash-safety rules of issuance-cycle.ts hold as for
 * the three-step path: nothing signed before the TBS is committed, and a crash in between leaves
 * `signing` records that recovery fails and lists as revoked.
 */
describe('device batches through prepareMany', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  afterEach(async () => t?.dispose());

  const chip = (i: number) => Uint8Array.from([0x01, 0x23, 0, 0, (i >> 8) & 0xff, i & 0xff, 0x00, 0xee]);
  const devices = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({
      chipSerial: chip(from + i),
      publicKey: generateSigner('P-256').publicKeySpki,
    }));

  /** A store that records which certificate methods the cycle calls. */
  function counting(inner: Store, hidden: readonly string[] = []): Store & { calls: string[] } {
    const calls: string[] = [];
    const wrap = (store: Store): Store =>
      new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'transaction')
            return <T>(fn: (tx: Store) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== 'certificates') return value;
          return new Proxy(value as object, {
            get(repo, name) {
              if (hidden.includes(String(name))) return undefined;
              const method = Reflect.get(repo, name, repo) as unknown;
              if (typeof method !== 'function') return method;
              return (...args: unknown[]) => {
                calls.push(`${String(name)}:${Array.isArray(args[0]) ? args[0].length : 1}`);
                return (method as (...a: unknown[]) => unknown).apply(repo, args);
              };
            },
          });
        },
      });
    return Object.assign(wrap(inner), { calls });
  }

  it('writes each certificate twice in two transactions, lints every one, and keeps the TBS inside the DER', async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
    const store = counting(t.store);
    const ca = createCertificateAuthority({ store, keys: t.keys, clock: t.clock, random: t.random });
    const auditBefore = await t.store.audit.count();
    const results = await ca.issueDevices({ caId: h.issuing.id, devices: devices(40) }, CLI_ACTOR, { lint: 'each' });
    ca.close();
    expect(store.calls.filter((c) => !c.startsWith('get'))).toEqual(['prepareMany:40', 'markValidMany:40']);
    expect(await t.store.audit.count()).toBe(auditBefore + 2);
    const issuer = Certificate.fromDer(h.issuing.certificateDer!);
    for (const r of results) {
      const stored = (await t.store.certificates.get(r.record.id))!;
      expect(stored).toEqual(r.record);
      expect(stored.status).toBe('valid');
      expect(stored.id).toMatch(/^crt_[0-9a-f]{24}$/);
      const cert = Certificate.fromDer(stored.der!);
      expect(cert.serialHex).toBe(stored.serialHex);
      expect(Buffer.compare(stored.tbsDer!, cert.tbs)).toBe(0);
      // One copy: the record's TBS is a view of its DER.
      expect(stored.tbsDer!.buffer).toBe(stored.der!.buffer);
      expect(lint(cert, 'device', { issuer }).filter((f) => f.severity === 'error')).toEqual([]);
    }
  });

  it("falls back to the store's reserveMany and markSigningMany when it lacks prepareMany", async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
    const store = counting(t.store, ['prepareMany']);
    const ca = createCertificateAuthority({ store, keys: t.keys, clock: t.clock, random: t.random });
    const results = await ca.issueDevices({ caId: h.issuing.id, devices: devices(6, 50) }, CLI_ACTOR);
    ca.close();
    expect(store.calls.filter((c) => !c.startsWith('get'))).toEqual([
      'reserveMany:6',
      'markSigningMany:6',
      'markValidMany:6',
    ]);
    for (const r of results) {
      const stored = (await t.store.certificates.get(r.record.id))!;
      expect(stored).toEqual(r.record);
      expect(stored.status).toBe('valid');
      expect(Buffer.compare(stored.tbsDer!, Certificate.fromDer(stored.der!).tbs)).toBe(0);
    }
  });

  it('a crash after the TBS commit leaves signing records with their TBS; recovery lists every one as revoked', async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
    t.ca.close();
    // The signer fails (an HSM gone), and the cycle's own clean-up fails too (a crash).
    const broken = faultyStore(t.store, ['certificates.markFailed']);
    const ca = createCertificateAuthority({ store: broken, keys: t.keys, clock: t.clock, random: t.random });
    const signs = t.keys.signCount();
    t.keys.failNextSigns(1);
    await expect(ca.issueDevices({ caId: h.issuing.id, devices: devices(5, 100) }, CLI_ACTOR)).rejects.toThrow(
      'simulated signer failure',
    );
    ca.close();
    expect(t.keys.signCount()).toBe(signs + 1);
    const left = await t.store.certificates.listUnfinished(h.issuing.id);
    expect(left).toHaveLength(5);
    expect(left.every((r) => r.status === 'signing' && r.tbsDer !== null && r.der === null)).toBe(true);

    const after = createCertificateAuthority({ store: t.store, keys: t.keys, clock: t.clock, random: t.random });
    expect(await after.recover(SYSTEM_ACTOR)).toEqual({ completed: 0, failed: 5, revoked: 5 });
    const crl = CertificateRevocationList.fromDer((await after.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
    expect(crl.revoked.map((e) => e.serialHex).sort()).toEqual(left.map((r) => r.serialHex).sort());
    expect((await ocspStatus(after, h.issuing, left[0]!.serialHex)).status).toBe('revoked');
    after.close();
  });

  it('a failure writing the batch leaves nothing and signs nothing', async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
    t.ca.close();
    const broken = faultyStore(t.store, ['certificates.prepareMany']);
    const ca = createCertificateAuthority({ store: broken, keys: t.keys, clock: t.clock, random: t.random });
    const count = await t.store.certificates.count();
    const audit = await t.store.audit.count();
    const signs = t.keys.signCount();
    await expect(ca.issueDevices({ caId: h.issuing.id, devices: devices(4, 200) }, CLI_ACTOR)).rejects.toThrow(
      SimulatedCrash,
    );
    ca.close();
    expect(await t.store.certificates.count()).toBe(count);
    expect(await t.store.audit.count()).toBe(audit);
    expect(t.keys.signCount()).toBe(signs);
  });
});
