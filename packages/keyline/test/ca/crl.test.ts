import {
  Certificate,
  CertificateRevocationList,
  OID,
  decodeSubjectKeyIdentifier,
  isKeylineError,
  verifyCrlSignature,
} from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { deviceCsr, makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';

const HOUR = 3_600_000;

describe('CRLs', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  beforeEach(async () => {
    t = await testAuthority({ crlValidityHours: 7 * 24, deltaCrlValidityHours: 12 });
    h = await makeHierarchy(t.ca);
  });
  afterEach(async () => t.dispose());

  const issue = async (chip: string) =>
    (await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(chip), profile: 'device' }, CLI_ACTOR)).record;

  it('signs full CRLs with strictly increasing numbers, the CA key identifier and a 7-day nextUpdate', async () => {
    const a = await issue('aaaaaaaa');
    await t.ca.revoke({ caId: h.issuing.id, serialHex: a.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    const first = await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    t.clock.advance(HOUR);
    const second = await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    expect([first.number, second.number]).toEqual([1n, 2n]);
    const crl = CertificateRevocationList.fromDer(second.der);
    const caCert = Certificate.fromDer(h.issuing.certificateDer!);
    expect(crl.crlNumber).toBe(2n);
    expect(Buffer.compare(crl.issuer.der, caCert.subject.der)).toBe(0);
    expect(Buffer.from(crl.authorityKeyIdentifier!.keyIdentifier!)).toEqual(
      Buffer.from(caCert.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier)!),
    );
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * 24 * HOUR);
    expect(crl.isRevoked(a.serialHex)?.reason).toBe('keyCompromise');
    expect(verifyCrlSignature(crl, caCert.spki)).toBe(true);
    expect(await t.store.crls.latest(h.issuing.id, 'full')).toMatchObject({ number: 2n, delta: false });
    expect((await t.store.audit.last())?.action).toBe('crl.sign');
  });

  it('signs delta CRLs over the latest full CRL, sharing the number sequence', async () => {
    expect(
      isKeylineError(
        await t.ca.generateCrl({ caId: h.issuing.id, delta: true }, CLI_ACTOR).catch((e: unknown) => e),
        'ERR_CA_NO_BASE_CRL',
      ),
    ).toBe(true);
    const early = await issue('bbbbbbbb');
    await t.ca.revoke({ caId: h.issuing.id, serialHex: early.serialHex, reason: 'superseded' }, CLI_ACTOR);
    // Beyond the few minutes of overlap a delta keeps with its base (see crl.ts).
    t.clock.advance(10 * 60_000);
    const base = await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    t.clock.advance(2 * HOUR);
    const late = await issue('cccccccc');
    await t.ca.revoke({ caId: h.issuing.id, serialHex: late.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    const delta = await t.ca.generateCrl({ caId: h.issuing.id, delta: true }, CLI_ACTOR);
    expect(delta).toMatchObject({ number: 2n, delta: true, baseNumber: base.number });
    const parsed = CertificateRevocationList.fromDer(delta.der);
    expect(parsed.deltaCrlIndicator).toBe(1n);
    expect(parsed.crlNumber).toBe(2n);
    expect(parsed.revoked.map((e) => e.serialHex)).toEqual([late.serialHex]);
    expect(parsed.nextUpdate!.getTime() - parsed.thisUpdate.getTime()).toBe(12 * HOUR);
    // The next full CRL continues the sequence and lists both.
    const full = CertificateRevocationList.fromDer((await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
    expect(full.crlNumber).toBe(3n);
    expect(full.revokedCount).toBe(2);
  });

  it("lists the root's revoked CA certificates on the root CRL", async () => {
    const serial = Certificate.fromDer(h.manufacturer.certificateDer!).serialHex;
    await t.ca.revoke({ caId: h.root.id, serialHex: serial, reason: 'cACompromise' }, CLI_ACTOR);
    const crl = CertificateRevocationList.fromDer((await t.ca.generateCrl({ caId: h.root.id }, CLI_ACTOR)).der);
    expect(crl.isRevoked(serial)?.reason).toBe('cACompromise');
  });

  describe('the refresher', () => {
    it('hears of revocations made by another process through the audit log', async () => {
      const refresher = t.ca.crlRefresher({ debounceMs: 10, intervalMs: 3_600_000, watchMs: 20 });
      const a = await issue('eeeeeeee');
      refresher.start();
      try {
        await new Promise((r) => setTimeout(r, 60));
        const before = (await t.store.crls.latest(h.issuing.id))!.number;
        const other = createCertificateAuthority({ store: t.store, keys: t.keys, clock: t.clock, random: t.random });
        await other.revoke({ caId: h.issuing.id, serialHex: a.serialHex, reason: 'superseded' }, CLI_ACTOR);
        other.close();
        let listed = false;
        for (let i = 0; i < 200 && !listed; i++) {
          await new Promise((r) => setTimeout(r, 10));
          const latest = await t.store.crls.latest(h.issuing.id);
          listed =
            latest!.number > before &&
            CertificateRevocationList.fromDer(latest!.der).isRevoked(a.serialHex) !== undefined;
        }
        expect(listed).toBe(true);
      } finally {
        await refresher.stop();
      }
    });

    it('makes a CRL for every CA that has none or whose CRL is due, and none otherwise', async () => {
      const refresher = t.ca.crlRefresher();
      const made = await refresher.refreshDue();
      expect(made.map((c) => c.caId).sort()).toEqual([h.root.id, h.manufacturer.id, h.issuing.id].sort());
      expect(await refresher.refreshDue()).toEqual([]);
      t.clock.advance(4 * 24 * HOUR); // past half of the 7 days
      expect((await refresher.refreshDue()).length).toBe(3);
      expect((await t.store.crls.latest(h.issuing.id))?.number).toBe(2n);
    });

    it('re-signs shortly after a revocation when started', async () => {
      const refresher = t.ca.crlRefresher({ debounceMs: 20, intervalMs: 3_600_000 });
      const signed: bigint[] = [];
      const a = await issue('dddddddd');
      refresher.start();
      try {
        await new Promise((r) => setTimeout(r, 50));
        const before = (await t.store.crls.latest(h.issuing.id))!.number;
        await t.ca.revoke({ caId: h.issuing.id, serialHex: a.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
        for (let i = 0; i < 100; i++) {
          const latest = await t.store.crls.latest(h.issuing.id);
          if (latest !== undefined && latest.number > before) {
            signed.push(latest.number);
            expect(CertificateRevocationList.fromDer(latest.der).isRevoked(a.serialHex)).toBeDefined();
            break;
          }
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(signed).toHaveLength(1);
      } finally {
        await refresher.stop();
      }
    });
  });
});
