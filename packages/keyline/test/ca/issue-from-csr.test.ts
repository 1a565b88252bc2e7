import {
  Certificate,
  KEYLINE_POLICY,
  OID,
  decodeCertificatePolicies,
  decodeExtKeyUsage,
  decodeKeyUsage,
  generateSigner,
  isKeylineError,
  knownExtension,
  lint,
} from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/ca/service-port.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import {
  ATTR,
  csrFor,
  deviceCsr,
  makeHierarchy,
  testAuthority,
  type Hierarchy,
  type TestAuthority,
} from './support/hierarchy.js';

const operator = (manufacturerId: string): Actor => ({
  id: `token:${manufacturerId}-op`,
  role: 'operator',
  manufacturerId,
});
const auditor: Actor = { id: 'token:aud', role: 'auditor', manufacturerId: null };

describe('issue from a CSR', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  beforeAll(async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
  });
  afterAll(async () => t?.dispose());

  async function snapshot() {
    return {
      certificates: await t.store.certificates.count(),
      audit: await t.store.audit.count(),
      signatures: t.keys.signCount(),
    };
  }

  /** Runs `attempt`, expects the code, and checks the database and the signer were not touched. */
  async function refused(code: string, attempt: () => Promise<unknown>) {
    const before = await snapshot();
    const error = await attempt().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKeylineError(error) ? error.code : error).toBe(code);
    expect(await snapshot()).toEqual(before);
    return error as { detail?: Record<string, unknown>; message: string };
  }

  describe('the device profile (KECP 5.4, 6.1)', () => {
    it('builds the subject from the CA and the chip serial in the CSR commonName', async () => {
      const { record, reused } = await t.ca.issue(
        { caId: h.issuing.id, csrDer: await deviceCsr('deadbeef00112233'), profile: 'device' },
        CLI_ACTOR,
      );
      expect(reused).toBe(false);
      const cert = Certificate.fromDer(record.der!);
      expect(
        lint(cert, 'device', { issuer: Certificate.fromDer(h.issuing.certificateDer!) }).filter(
          (f) => f.severity === 'error',
        ),
      ).toEqual([]);
      expect(record.subject).toBe(
        'CN=deadbeef00112233,serialNumber=deadbeef00112233,keylineProductId=sensor-1,keylineManufacturerId=acme',
      );
      expect(record.deviceId).toBe('deadbeef00112233');
      expect(cert.notAfter.toISOString()).toBe('9999-12-31T23:59:59.000Z');
      expect(record.notBefore?.toISOString()).toBe(cert.notBefore.toISOString());
    });

    it('takes serialNumber and keyAgreement from the CSR, and a validity when asked', async () => {
      const csr = await csrFor(
        [{ type: OID.serialNumber, value: 'SN-0042' }, ATTR.product('sensor-1'), ATTR.cn('00aa00bb00cc')],
        generateSigner('P-256'),
        [knownExtension('keyUsage', new Set(['digitalSignature', 'keyAgreement'] as const), true)],
      );
      const { record } = await t.ca.issue(
        { caId: h.issuing.id, csrDer: csr, profile: 'device', validityDays: 3650 },
        CLI_ACTOR,
      );
      const cert = Certificate.fromDer(record.der!);
      expect(record.subject).toContain('serialNumber=SN-0042');
      expect([...cert.decoded(OID.keyUsage, decodeKeyUsage)!]).toEqual(
        expect.arrayContaining(['digitalSignature', 'keyAgreement']),
      );
      expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(3650 * 86_400_000);
    });

    it('issues from a manufacturer CA when the CSR names the product', async () => {
      const csr = await deviceCsr('0102030405060708', undefined, [ATTR.product('gateway-2')]);
      const { record } = await t.ca.issue({ caId: h.manufacturer.id, csrDer: csr, profile: 'device' }, CLI_ACTOR);
      expect(record.subject).toContain('keylineProductId=gateway-2');
      expect(record.caId).toBe(h.manufacturer.id);
    });

    it('refuses a bad CSR signature (no proof of possession)', async () => {
      const csr = await deviceCsr();
      csr[csr.length - 3]! ^= 0x01;
      await refused('ERR_CA_CSR_SIGNATURE', () =>
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device' }, CLI_ACTOR),
      );
    });

    it('refuses malformed CSR bytes with a typed error', async () => {
      const before = await snapshot();
      const error = await t.ca
        .issue({ caId: h.issuing.id, csrDer: Uint8Array.of(0x30, 0x03, 0x02, 0x01), profile: 'device' }, CLI_ACTOR)
        .catch((e: unknown) => e);
      expect(isKeylineError(error)).toBe(true);
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['a P-384 key', async () => deviceCsr('0123456789abcdef', generateSigner('P-384'))],
      ['a commonName that is not a hex chip serial', async () => deviceCsr('Device-1')],
      ['upper-case hex', async () => deviceCsr('0123456789ABCDEF')],
      ['a chip serial of 3 octets', async () => deviceCsr('abcdef')],
      [
        'an attribute the profile does not have',
        async () => deviceCsr('0123456789abcdef', undefined, [ATTR.o('Acme')]),
      ],
      ['another manufacturer', async () => deviceCsr('0123456789abcdef', undefined, [ATTR.manufacturer('globex')])],
      [
        'another product than the issuing CA',
        async () => deviceCsr('0123456789abcdef', undefined, [ATTR.product('sensor-2')]),
      ],
    ])('refuses %s as a profile violation, signing nothing', async (_name, make) => {
      const csr = await make();
      const error = await refused('ERR_CA_PROFILE_VIOLATION', () =>
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device' }, CLI_ACTOR),
      );
      expect(Array.isArray(error.detail?.findings)).toBe(true);
    });

    it('refuses a device from a manufacturer CA without a product id', async () => {
      await refused('ERR_CA_PROFILE_VIOLATION', async () =>
        t.ca.issue({ caId: h.manufacturer.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
      );
    });

    it('refuses devices from a root (it issues manufacturer CAs only)', async () => {
      await refused('ERR_CA_WRONG_KIND', async () =>
        t.ca.issue({ caId: h.root.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
      );
    });

    it('refuses to issue from a CA whose own certificate, or an issuer certificate, was revoked', async () => {
      const t2 = await testAuthority();
      try {
        const h2 = await makeHierarchy(t2.ca);
        const issuingSerial = Certificate.fromDer(h2.issuing.certificateDer!).serialHex;
        const before = await t2.ca.issue(
          { caId: h2.issuing.id, csrDer: await deviceCsr(), profile: 'device' },
          CLI_ACTOR,
        );
        expect(before.record.status).toBe('valid');
        await t2.ca.revoke({ caId: h2.manufacturer.id, serialHex: issuingSerial, reason: 'keyCompromise' }, CLI_ACTOR);
        const signaturesBefore = t2.keys.signCount();
        await refused('ERR_CA_NOT_ACTIVE', async () =>
          t2.ca.issue(
            { caId: h2.issuing.id, csrDer: await deviceCsr('0123456789abcd01'), profile: 'device' },
            CLI_ACTOR,
          ),
        );
        await refused('ERR_CA_NOT_ACTIVE', async () =>
          t2.ca.issueDevices(
            {
              caId: h2.issuing.id,
              devices: [
                {
                  chipSerial: Uint8Array.from(Buffer.from('0123456789abcd02', 'hex')),
                  publicKey: generateSigner('P-256').publicKeySpki,
                },
              ],
            },
            CLI_ACTOR,
          ),
        );
        expect(t2.keys.signCount()).toBe(signaturesBefore);
      } finally {
        await t2.dispose();
      }
    });

    it('refuses an unknown CA and a CA that is not active', async () => {
      await refused('ERR_CA_NOT_FOUND', async () =>
        t.ca.issue({ caId: 'ca_nope', csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
      );
      const { ca: pending } = await t.ca.createCaCsr(
        { name: 'Pending Line', kind: 'issuing', manufacturerId: 'acme', parentId: h.manufacturer.id },
        CLI_ACTOR,
      );
      await refused('ERR_CA_NOT_ACTIVE', async () =>
        t.ca.issue({ caId: pending.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
      );
    });
  });

  describe('request-id idempotency', () => {
    it('returns the same certificate for the same request id without signing again', async () => {
      const csr = await deviceCsr('1111111111111111');
      const first = await t.ca.issue(
        { caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'order-7/unit-1' },
        CLI_ACTOR,
      );
      const before = await snapshot();
      const again = await t.ca.issue(
        { caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'order-7/unit-1' },
        CLI_ACTOR,
      );
      expect(again.reused).toBe(true);
      expect(again.record.serialHex).toBe(first.record.serialHex);
      expect(Buffer.compare(again.record.der!, first.record.der!)).toBe(0);
      expect(await snapshot()).toEqual(before);
    });

    it('signs once when the same request arrives twice at the same time', async () => {
      const csr = await deviceCsr('2222222222222222');
      const before = t.keys.signCount();
      const [a, b] = await Promise.all([
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'twice' }, CLI_ACTOR),
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'twice' }, CLI_ACTOR),
      ]);
      expect(t.keys.signCount()).toBe(before + 1);
      expect(a.record.serialHex).toBe(b.record.serialHex);
      expect([a.reused, b.reused].sort()).toEqual([false, true]);
    });

    it('refuses the same request id for another key', async () => {
      await t.ca.issue(
        { caId: h.issuing.id, csrDer: await deviceCsr('3333333333333333'), profile: 'device', requestId: 'taken' },
        CLI_ACTOR,
      );
      await refused('ERR_CA_REQUEST_ID_CONFLICT', async () =>
        t.ca.issue(
          { caId: h.issuing.id, csrDer: await deviceCsr('3333333333333333'), profile: 'device', requestId: 'taken' },
          CLI_ACTOR,
        ),
      );
    });

    it('keeps request ids per CA', async () => {
      const csr = await deviceCsr('4444444444444444', undefined, [ATTR.product('sensor-1')]);
      const a = await t.ca.issue(
        { caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'per-ca' },
        CLI_ACTOR,
      );
      const b = await t.ca.issue(
        { caId: h.manufacturer.id, csrDer: csr, profile: 'device', requestId: 'per-ca' },
        CLI_ACTOR,
      );
      expect(b.reused).toBe(false);
      expect(b.record.serialHex).not.toBe(a.record.serialHex);
    });
  });

  describe('the LDevID profile (KECP 5.5)', () => {
    it('issues clientAuth under the operational policy for a year', async () => {
      const csr = await csrFor([ATTR.manufacturer('acme'), ATTR.cn('0123456789abcdef')]);
      const { record } = await t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'ldevid' }, CLI_ACTOR);
      const cert = Certificate.fromDer(record.der!);
      expect(record.profile).toBe('ldevid');
      expect(record.deviceId).toBe('0123456789abcdef');
      expect(cert.decoded(OID.extKeyUsage, decodeExtKeyUsage)).toEqual([OID.clientAuth]);
      expect(cert.decoded(OID.certificatePolicies, decodeCertificatePolicies)?.map((p) => p.policyId)).toEqual([
        KEYLINE_POLICY.operationalV1,
      ]);
      expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(365 * 86_400_000);
    });

    it('refuses a subject the profile does not allow, with the linter findings', async () => {
      const csr = await csrFor([{ type: OID.countryName, value: 'FI' }, ATTR.cn('gateway')]);
      const error = await refused('ERR_CA_PROFILE_VIOLATION', () =>
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'ldevid' }, CLI_ACTOR),
      );
      const findings = error.detail?.findings as { id: string }[];
      expect(findings.map((f) => f.id)).toContain('kecp.subject-attributes');
    });

    it('refuses another manufacturer in the subject (lint: manufacturer matches issuer)', async () => {
      const csr = await csrFor([ATTR.manufacturer('globex'), ATTR.cn('gateway')]);
      const error = await refused('ERR_CA_PROFILE_VIOLATION', () =>
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'ldevid' }, CLI_ACTOR),
      );
      expect((error.detail?.findings as { id: string }[]).map((f) => f.id)).toContain(
        'kecp.manufacturer-matches-issuer',
      );
    });

    it('refuses more than 397 days', async () => {
      const csr = await csrFor([ATTR.cn('gateway')]);
      await refused('ERR_CA_BAD_INPUT', () =>
        t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'ldevid', validityDays: 400 }, CLI_ACTOR),
      );
    });
  });

  describe('authorisation', () => {
    it("lets an operator issue at its own manufacturer's CAs only", async () => {
      const mine = await t.ca.issue(
        { caId: h.issuing.id, csrDer: await deviceCsr('5555555555555555'), profile: 'device' },
        operator('acme'),
      );
      expect(mine.record.status).toBe('valid');
      await refused('ERR_CA_FORBIDDEN', async () =>
        t.ca.issue(
          { caId: h.issuing.id, csrDer: await deviceCsr('6666666666666666'), profile: 'device' },
          operator('globex'),
        ),
      );
      await refused('ERR_CA_FORBIDDEN', async () =>
        t.ca.revoke({ caId: h.issuing.id, serialHex: mine.record.serialHex, reason: 'superseded' }, operator('globex')),
      );
    });

    it('lets an auditor change nothing', async () => {
      await refused('ERR_CA_FORBIDDEN', async () =>
        t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(), profile: 'device' }, auditor),
      );
      await refused('ERR_CA_FORBIDDEN', () => t.ca.generateCrl({ caId: h.issuing.id }, auditor));
      await refused('ERR_CA_FORBIDDEN', () => t.ca.createRoot({ name: 'Rogue Root' }, auditor));
    });

    it('keeps ceremonies to admins', async () => {
      await refused('ERR_CA_FORBIDDEN', () => t.ca.createRoot({ name: 'Operator Root' }, operator('acme')));
      await refused('ERR_CA_FORBIDDEN', () =>
        t.ca.createCa(
          { parentId: h.manufacturer.id, name: 'Op Line', kind: 'issuing', manufacturerId: 'acme' },
          operator('acme'),
        ),
      );
    });
  });

  it('records the cycle in the audit log: prepare, then issue', async () => {
    const { record } = await t.ca.issue(
      { caId: h.issuing.id, csrDer: await deviceCsr('7777777777777777'), profile: 'device', requestId: 'audited' },
      CLI_ACTOR,
    );
    const count = await t.store.audit.count();
    const [prepare, issue] = await t.store.audit.range(count - 1, count);
    expect(prepare?.action).toBe('cert.prepare');
    expect(prepare?.details.serial).toBe(record.serialHex);
    expect(typeof prepare?.details.tbsSha256).toBe('string');
    expect(issue?.action).toBe('cert.issue');
    expect(issue?.target).toBe(`${h.issuing.id}:${record.serialHex}`);
    expect(issue?.details).toMatchObject({ fingerprint: record.fingerprint, requestId: 'audited' });
    expect(issue?.actor).toBe('cli');
  });
});
