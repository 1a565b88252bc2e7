import { Certificate, DeviceTemplate, generateSigner, isKeylineError, lint } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { withBulkMethods } from './support/bulk-store.js';
import { makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';

describe('factory-line device batches', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  beforeAll(async () => {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
  });
  afterAll(async () => t?.dispose());

  const chip = (i: number) => Uint8Array.from([0x01, 0x23, 0, 0, (i >> 8) & 0xff, i & 0xff, 0x00, 0xee]);

  it('issues a batch through the cycle in two transactions, recording chip serials', async () => {
    const keys = Array.from({ length: 50 }, () => generateSigner('P-256'));
    const auditBefore = await t.store.audit.count();
    const signs = t.keys.signCount();
    const results = await t.ca.issueDevices(
      {
        caId: h.issuing.id,
        devices: keys.map((k, i) => ({ chipSerial: chip(i), publicKey: k.publicKeySpki, requestId: `line1-${i}` })),
      },
      CLI_ACTOR,
    );
    expect(results).toHaveLength(50);
    expect(t.keys.signCount()).toBe(signs + 50);
    expect(await t.store.audit.count()).toBe(auditBefore + 2);
    const issuer = Certificate.fromDer(h.issuing.certificateDer!);
    results.forEach((r, i) => {
      expect(r.reused).toBe(false);
      expect(r.record.chipSerial).toBe(Buffer.from(chip(i)).toString('hex'));
      expect(r.record.deviceId).toBe(r.record.chipSerial);
      const cert = Certificate.fromDer(r.record.der!);
      expect(Buffer.compare(cert.spki, keys[i]!.publicKeySpki)).toBe(0);
      expect(lint(cert, 'device', { issuer }).filter((f) => f.severity === 'error')).toEqual([]);
    });
    expect(new Set(results.map((r) => r.record.serialHex)).size).toBe(50);
  });

  it('issues byte-identical to the device template (the layout a chip stores compressed)', async () => {
    const key = generateSigner('P-256');
    const [result] = await t.ca.issueDevices(
      { caId: h.issuing.id, devices: [{ chipSerial: chip(900), publicKey: key.publicKeySpki }] },
      CLI_ACTOR,
    );
    const cert = Certificate.fromDer(result!.record.der!);
    const signer = generateSigner('P-256'); // any key: only the TBS is compared
    const template = DeviceTemplate.compile({
      issuer: Certificate.fromDer(h.issuing.certificateDer!),
      signer: { ...signer, publicKeySpki: Certificate.fromDer(h.issuing.certificateDer!).spki },
    });
    const tbs = template.tbs({
      serial: cert.serialNumber,
      chipSerial: chip(900),
      publicKey: key.publicKeySpki,
      notBefore: cert.notBefore,
    });
    expect(Buffer.compare(tbs, cert.tbs)).toBe(0);
  });

  it('returns earlier certificates for request ids already used and issues only the rest', async () => {
    const keys = [generateSigner('P-256'), generateSigner('P-256')];
    const first = await t.ca.issueDevices(
      {
        caId: h.issuing.id,
        devices: [{ chipSerial: chip(500), publicKey: keys[0]!.publicKeySpki, requestId: 'r500' }],
      },
      CLI_ACTOR,
    );
    const signs = t.keys.signCount();
    const second = await t.ca.issueDevices(
      {
        caId: h.issuing.id,
        devices: [
          { chipSerial: chip(500), publicKey: keys[0]!.publicKeySpki, requestId: 'r500' },
          { chipSerial: chip(501), publicKey: keys[1]!.publicKeySpki, requestId: 'r501' },
        ],
      },
      CLI_ACTOR,
    );
    expect(t.keys.signCount()).toBe(signs + 1);
    expect(second[0]).toMatchObject({ reused: true, record: { serialHex: first[0]!.record.serialHex } });
    expect(second[1]!.reused).toBe(false);
  });

  it('issues the same certificates in template mode (first linted, the rest checked by the template)', async () => {
    const keys = Array.from({ length: 20 }, () => generateSigner('P-256'));
    const results = await t.ca.issueDevices(
      {
        caId: h.issuing.id,
        devices: keys.map((k, i) => ({ chipSerial: chip(700 + i), publicKey: k.publicKeySpki, validityDays: 3650 })),
      },
      CLI_ACTOR,
      { lint: 'template' },
    );
    const issuer = Certificate.fromDer(h.issuing.certificateDer!);
    for (const r of results) {
      const cert = Certificate.fromDer(r.record.der!);
      expect(lint(cert, 'device', { issuer }).filter((f) => f.severity === 'error')).toEqual([]);
      expect(r.record.notAfter?.getTime()).toBe(cert.notAfter.getTime());
      expect(Buffer.compare(r.record.tbsDer!, cert.tbs)).toBe(0);
    }
    // The template still refuses a bad device in this mode.
    const error = await t.ca
      .issueDevices(
        {
          caId: h.issuing.id,
          devices: [
            { chipSerial: chip(800), publicKey: generateSigner('P-256').publicKeySpki },
            // Outlives the issuing CA (10 years): the template's own check refuses it.
            { chipSerial: chip(801), publicKey: generateSigner('P-256').publicKeySpki, validityDays: 20 * 365 },
          ],
        },
        CLI_ACTOR,
        { lint: 'template' },
      )
      .catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_CA_PROFILE_VIOLATION')).toBe(true);
  });

  it("uses the store's bulk methods when it has them", async () => {
    const bulk = withBulkMethods(t.store);
    const ca = createCertificateAuthority({ store: bulk, keys: t.keys, clock: t.clock, random: t.random });
    const keys = Array.from({ length: 7 }, () => generateSigner('P-256'));
    const results = await ca.issueDevices(
      { caId: h.issuing.id, devices: keys.map((k, i) => ({ chipSerial: chip(1000 + i), publicKey: k.publicKeySpki })) },
      CLI_ACTOR,
    );
    expect(bulk.bulkCalls).toEqual(['reserveMany:7', 'markSigningMany:7', 'markValidMany:7']);
    results.forEach((r, i) => {
      expect(r.record.status).toBe('valid');
      expect(Buffer.compare(Certificate.fromDer(r.record.der!).spki, keys[i]!.publicKeySpki)).toBe(0);
    });
    ca.close();
  });

  it('refuses the whole batch when one device violates the profile, signing nothing', async () => {
    const count = await t.store.certificates.count();
    const signs = t.keys.signCount();
    const error = await t.ca
      .issueDevices(
        {
          caId: h.issuing.id,
          devices: [
            { chipSerial: chip(600), publicKey: generateSigner('P-256').publicKeySpki },
            { chipSerial: chip(601), publicKey: generateSigner('P-384').publicKeySpki },
          ],
        },
        CLI_ACTOR,
      )
      .catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_CA_PROFILE_VIOLATION')).toBe(true);
    expect(await t.store.certificates.count()).toBe(count);
    expect(t.keys.signCount()).toBe(signs);
  });
});
