import { Certificate, CertificationRequest, OID, isKeylineError } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { ATTR, csrFor, deviceCsr, makeHierarchy, testAuthority, type TestAuthority } from './support/hierarchy.js';
import { OpensslDir } from './support/openssl.js';

/** `ca csr` → `ca sign-csr` (the offline parent) → `ca install` (issue 3). */
describe('a CA under an offline parent', () => {
  let t: TestAuthority;
  let ossl: OpensslDir | undefined;
  afterEach(async () => {
    ossl?.dispose();
    ossl = undefined;
    await t?.dispose();
  });

  const code = (e: unknown) => (isKeylineError(e) ? e.code : e);

  it('writes a CSR, has it signed by the parent, installs and uses the certificate', async () => {
    t = await testAuthority({}, undefined, new Date());
    const root = await t.ca.createRoot({ name: 'Offline Root', organization: 'Keyline Test' }, CLI_ACTOR);
    const { ca: pending, csrDer } = await t.ca.createCaCsr(
      {
        name: 'Acme Manufacturer CA',
        organization: 'Acme Devices',
        kind: 'manufacturer',
        manufacturerId: 'acme',
        parentId: root.id,
      },
      CLI_ACTOR,
    );
    expect(pending.status).toBe('pending');
    expect(pending.certificateDer).toBeNull();
    expect(Buffer.compare(pending.csrDer!, csrDer)).toBe(0);
    const csr = CertificationRequest.fromDer(csrDer);
    expect(pending.subject).toBe('CN=Acme Manufacturer CA,keylineManufacturerId=acme,O=Acme Devices');

    const signed = await t.ca.signCaCsr(
      { parentId: root.id, csrDer, kind: 'manufacturer', manufacturerId: 'acme' },
      CLI_ACTOR,
    );
    expect(signed.caId).toBe(root.id);
    expect(signed.profile).toBe('manufacturer-ca');
    const cert = Certificate.fromDer(signed.der!);
    expect(Buffer.compare(cert.spki, csr.spki)).toBe(0);
    expect(Buffer.compare(cert.subject.der, csr.subject.der)).toBe(0);

    const active = await t.ca.installCa(pending.id, signed.der!, CLI_ACTOR);
    expect(active.status).toBe('active');
    expect(active.fingerprint).toBe(cert.fingerprint);
    await expect(t.ca.installCa(pending.id, signed.der!, CLI_ACTOR)).rejects.toMatchObject({
      code: 'ERR_CA_NOT_PENDING',
    });

    // The installed CA issues, and OpenSSL accepts the chain.
    const issued = await t.ca.issue(
      { caId: active.id, csrDer: await deviceCsr('a1a2a3a4', undefined, [ATTR.product('p1')]), profile: 'device' },
      CLI_ACTOR,
    );
    ossl = new OpensslDir();
    ossl.writePem('root.pem', 'CERTIFICATE', root.certificateDer!);
    ossl.writePem('mfr.pem', 'CERTIFICATE', active.certificateDer!);
    ossl.writePem('dev.pem', 'CERTIFICATE', issued.record.der!);
    expect(ossl.run('verify', '-CAfile', 'root.pem', '-untrusted', 'mfr.pem', 'dev.pem').trim()).toBe('dev.pem: OK');
  });

  it('refuses to install a certificate for another key, from another parent, or of the wrong kind', async () => {
    t = await testAuthority();
    const { root, manufacturer } = await makeHierarchy(t.ca);
    const other = await t.ca.createRoot({ name: 'Other Root' }, CLI_ACTOR);
    const { ca: pending, csrDer } = await t.ca.createCaCsr(
      { name: 'Acme Line 9', kind: 'issuing', manufacturerId: 'acme', parentId: manufacturer.id },
      CLI_ACTOR,
    );
    // Another key: a CSR of a different pending CA, signed properly.
    const { csrDer: strangerCsr } = await t.ca.createCaCsr(
      { name: 'Acme Line 10', kind: 'issuing', manufacturerId: 'acme', parentId: manufacturer.id },
      CLI_ACTOR,
    );
    const forStranger = await t.ca.signCaCsr(
      { parentId: manufacturer.id, csrDer: strangerCsr, kind: 'issuing', manufacturerId: 'acme' },
      CLI_ACTOR,
    );
    expect(code(await t.ca.installCa(pending.id, forStranger.der!, CLI_ACTOR).catch((e: unknown) => e))).toBe(
      'ERR_CA_CERTIFICATE_MISMATCH',
    );

    // The right key, signed by another root as a manufacturer CA: not from its parent.
    const fromOther = await t.ca.signCaCsr(
      { parentId: other.id, csrDer, kind: 'manufacturer', manufacturerId: 'acme' },
      CLI_ACTOR,
    );
    expect(code(await t.ca.installCa(pending.id, fromOther.der!, CLI_ACTOR).catch((e: unknown) => e))).toBe(
      'ERR_CA_CERTIFICATE_MISMATCH',
    );
    expect((await t.store.cas.get(pending.id))?.status).toBe('pending');

    // Its own parent signs it: installs.
    const good = await t.ca.signCaCsr(
      { parentId: manufacturer.id, csrDer, kind: 'issuing', manufacturerId: 'acme' },
      CLI_ACTOR,
    );
    expect((await t.ca.installCa(pending.id, good.der!, CLI_ACTOR)).status).toBe('active');
    void root;
  });

  it('signs CSRs by the profile of the kind and refuses what does not fit', async () => {
    t = await testAuthority();
    const { root, manufacturer } = await makeHierarchy(t.ca);
    const csr = await csrFor([ATTR.o('Globex'), ATTR.cn('Globex CA')]);
    // An issuing CA is issued by a manufacturer CA, not by a root.
    expect(
      code(
        await t.ca
          .signCaCsr({ parentId: root.id, csrDer: csr, kind: 'issuing', manufacturerId: 'globex' }, CLI_ACTOR)
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_WRONG_KIND');
    // The manufacturer id must be the parent's.
    expect(
      code(
        await t.ca
          .signCaCsr({ parentId: manufacturer.id, csrDer: csr, kind: 'issuing', manufacturerId: 'globex' }, CLI_ACTOR)
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_PROFILE_VIOLATION');
    // A CSR without an organizationName.
    const bare = await csrFor([ATTR.cn('Bare CA')]);
    expect(
      code(
        await t.ca
          .signCaCsr({ parentId: root.id, csrDer: bare, kind: 'manufacturer', manufacturerId: 'globex' }, CLI_ACTOR)
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_PROFILE_VIOLATION');
    // A CSR naming another manufacturer than the one asked for.
    const named = await csrFor([ATTR.o('Globex'), ATTR.manufacturer('initech'), ATTR.cn('Globex CA')]);
    expect(
      code(
        await t.ca
          .signCaCsr({ parentId: root.id, csrDer: named, kind: 'manufacturer', manufacturerId: 'globex' }, CLI_ACTOR)
          .catch((e: unknown) => e),
      ),
    ).toBe('ERR_CA_PROFILE_VIOLATION');
    const ok = await t.ca.signCaCsr(
      { parentId: root.id, csrDer: csr, kind: 'manufacturer', manufacturerId: 'globex', validityYears: 5 },
      CLI_ACTOR,
    );
    const cert = Certificate.fromDer(ok.der!);
    expect(cert.notAfter.getUTCFullYear() - cert.notBefore.getUTCFullYear()).toBe(5);
    expect(ok.subject).toBe('CN=Globex CA,keylineManufacturerId=globex,O=Globex');
    expect(cert.extension(OID.basicConstraints)?.critical).toBe(true);
  });

  it('installs under a parent kept elsewhere when given its certificate', async () => {
    t = await testAuthority();
    const offline = await testAuthority();
    try {
      const root = await offline.ca.createRoot({ name: 'Air-gapped Root' }, CLI_ACTOR);
      const { ca: pending, csrDer } = await t.ca.createCaCsr(
        { name: 'Acme CA', kind: 'manufacturer', manufacturerId: 'acme' },
        CLI_ACTOR,
      );
      expect(pending.parentId).toBeNull();
      const signed = await offline.ca.signCaCsr(
        { parentId: root.id, csrDer, kind: 'manufacturer', manufacturerId: 'acme' },
        CLI_ACTOR,
      );
      expect(code(await t.ca.installCa(pending.id, signed.der!, CLI_ACTOR).catch((e: unknown) => e))).toBe(
        'ERR_CA_BAD_INPUT',
      );
      const installed = await t.ca.installCa(pending.id, signed.der!, CLI_ACTOR, {
        parentCertificateDer: root.certificateDer!,
      });
      expect(installed.status).toBe('active');
    } finally {
      await offline.dispose();
    }
  });
});
