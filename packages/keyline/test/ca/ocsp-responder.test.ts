import {
  Certificate,
  OcspResponse,
  buildOcspRequest,
  certIdFor,
  generateSigner,
  keyIdentifierFromSpki,
  lint,
  verifyOcspResponseSignature,
} from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import type { CertificateRecord } from '../../src/ca/records.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { faultyStore } from './support/faulty-store.js';
import { deviceCsr, makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';
import { ocspRequestFor, ocspStatus } from './support/ocsp.js';

const HOUR = 3_600_000;

describe('the OCSP responder (RFC 6960)', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  let device: CertificateRecord;
  beforeEach(async () => {
    t = await testAuthority({ ocspValidityHours: 24, ocspRecheckMs: 200 });
    h = await makeHierarchy(t.ca);
    device = (
      await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr('feedface'), profile: 'device' }, CLI_ACTOR)
    ).record;
  });
  afterEach(async () => t.dispose());

  const respond = async (request: Uint8Array, caId = h.issuing.id) =>
    OcspResponse.fromDer(await t.ca.ocspRespond(caId, request));

  it('answers good for a valid certificate, signed by a delegated OCSP signer it made on first need', async () => {
    expect((await t.store.cas.get(h.issuing.id))?.ocspSignerDer).toBeNull();
    const response = await respond(ocspRequestFor(h.issuing, device.serialHex));
    expect(response.status).toBe('successful');
    const basic = response.basic!;
    const single = basic.responses[0]!;
    expect(single.certStatus).toEqual({ status: 'good' });
    expect(single.nextUpdate!.getTime() - single.thisUpdate.getTime()).toBe(24 * HOUR);
    expect(basic.certs).toHaveLength(1);
    const signerCert = Certificate.fromDer(basic.certs[0]!);
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    expect(lint(signerCert, 'ocsp-signer', { issuer: issuing }).filter((f) => f.severity === 'error')).toEqual([]);
    expect(verifyOcspResponseSignature(basic, signerCert.spki)).toBe(true);
    expect(basic.responderId).toEqual({ type: 'byKey', keyHash: keyIdentifierFromSpki(signerCert.spki) });
    const ca = await t.store.cas.get(h.issuing.id);
    expect(Buffer.compare(ca!.ocspSignerDer!, signerCert.der)).toBe(0);
    expect((await t.store.certificates.getBySerial(h.issuing.id, signerCert.serialHex))?.profile).toBe('ocsp-signer');
  });

  it('answers revoked with time and reason, at once after an in-process revocation', async () => {
    expect((await ocspStatus(t.ca, h.issuing, device.serialHex)).status).toBe('good');
    t.clock.advance(5_000);
    const revoked = await t.ca.revoke(
      { caId: h.issuing.id, serialHex: device.serialHex, reason: 'keyCompromise' },
      CLI_ACTOR,
    );
    expect(await ocspStatus(t.ca, h.issuing, device.serialHex)).toEqual({
      status: 'revoked',
      revocationTime: revoked.revokedAt,
      reason: 'keyCompromise',
    });
  });

  it('follows a revocation made by another process within the recheck interval', async () => {
    expect((await ocspStatus(t.ca, h.issuing, device.serialHex)).status).toBe('good');
    const other = createCertificateAuthority({ store: t.store, keys: t.keys, clock: t.clock, random: t.random });
    await other.revoke({ caId: h.issuing.id, serialHex: device.serialHex, reason: 'affiliationChanged' }, CLI_ACTOR);
    other.close();
    t.clock.advance(250);
    expect(await ocspStatus(t.ca, h.issuing, device.serialHex)).toMatchObject({
      status: 'revoked',
      reason: 'affiliationChanged',
    });
  });

  it('never answers good for a serial the CA did not issue', async () => {
    expect((await ocspStatus(t.ca, h.issuing, '7e57000000000000000000000000000001')).status).toBe('unknown');
    // A certificate of another CA asked of this one with this CA's hashes: still unknown here.
    const mfrCert = Certificate.fromDer(h.manufacturer.certificateDer!);
    expect((await ocspStatus(t.ca, h.issuing, mfrCert.serialHex)).status).toBe('unknown');
  });

  it('answers unauthorized for another issuer, an unknown or pending CA; mixed requests get unknown for the foreign', async () => {
    const foreign = ocspRequestFor(h.manufacturer, device.serialHex);
    expect((await respond(foreign)).status).toBe('unauthorized');
    expect((await respond(ocspRequestFor(h.issuing, device.serialHex), 'ca_nope')).status).toBe('unauthorized');
    const { ca: pending } = await t.ca.createCaCsr(
      { name: 'Pending', kind: 'issuing', manufacturerId: 'acme', parentId: h.manufacturer.id },
      CLI_ACTOR,
    );
    expect((await respond(ocspRequestFor(h.issuing, device.serialHex), pending.id)).status).toBe('unauthorized');
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    const mfr = Certificate.fromDer(h.manufacturer.certificateDer!);
    const mixed = buildOcspRequest({
      certIds: [
        certIdFor(issuing.subject.der, issuing.publicKey, device.serialHex),
        certIdFor(mfr.subject.der, mfr.publicKey, device.serialHex),
      ],
    });
    const statuses = (await respond(mixed)).basic!.responses.map((r) => r.certStatus.status);
    expect(statuses).toEqual(['good', 'unknown']);
  });

  it('answers CertIDs made with SHA-256 too', async () => {
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    const request = buildOcspRequest({
      certIds: [certIdFor(issuing.subject.der, issuing.publicKey, device.serialHex, 'sha256')],
    });
    expect((await respond(request)).basic!.responses[0]!.certStatus.status).toBe('good');
  });

  it('answers malformed requests with malformedRequest, never an exception', async () => {
    expect((await respond(Uint8Array.of(0x30, 0x00))).status).toBe('malformedRequest');
    expect((await respond(new Uint8Array(0))).status).toBe('malformedRequest');
    expect((await respond(Uint8Array.from(Buffer.from('not der at all')))).status).toBe('malformedRequest');
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    const many = buildOcspRequest({
      certIds: Array.from({ length: 17 }, (_, i) => certIdFor(issuing.subject.der, issuing.publicKey, BigInt(i + 1))),
    });
    expect((await respond(many)).status).toBe('malformedRequest');
  });

  it('echoes a nonce in a freshly signed response, and serves requests without one from its cache', async () => {
    await respond(ocspRequestFor(h.issuing, device.serialHex)); // makes the OCSP signer
    const signs = t.keys.signCount();
    const nonce = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    const withNonce = await respond(ocspRequestFor(h.issuing, device.serialHex, nonce));
    expect(Buffer.from(withNonce.basic!.nonce!).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    await respond(ocspRequestFor(h.issuing, device.serialHex, nonce));
    expect(t.keys.signCount()).toBe(signs + 2);
    const plain = await t.ca.ocspRespond(h.issuing.id, ocspRequestFor(h.issuing, device.serialHex));
    const again = await t.ca.ocspRespond(h.issuing.id, ocspRequestFor(h.issuing, device.serialHex));
    expect(Buffer.compare(plain, again)).toBe(0);
    expect(t.keys.signCount()).toBe(signs + 2);
    // Past half the validity the cached response is replaced.
    t.clock.advance(13 * HOUR);
    const later = await t.ca.ocspRespond(h.issuing.id, ocspRequestFor(h.issuing, device.serialHex));
    expect(Buffer.compare(plain, later)).not.toBe(0);
    expect(t.keys.signCount()).toBe(signs + 3);
  });

  it('pre-signs responses for every certificate of a CA', async () => {
    for (const chip of ['a0a0a0a0', 'b0b0b0b0']) {
      await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(chip), profile: 'device' }, CLI_ACTOR);
    }
    await t.ca.ensureOcspSigner(h.issuing.id, CLI_ACTOR); // itself a valid certificate of the CA
    const count = await t.ca.prewarmOcsp(h.issuing.id);
    const valid = await t.store.certificates.count({ caId: h.issuing.id, status: 'valid' });
    expect(count).toBe(valid);
    const signs = t.keys.signCount();
    for (const record of (await t.store.certificates.search({ caId: h.issuing.id, status: 'valid' })).items) {
      expect((await ocspStatus(t.ca, h.issuing, record.serialHex)).status).toBe('good');
    }
    expect(t.keys.signCount()).toBe(signs);
  });

  it('renews its OCSP signer before it expires', async () => {
    await respond(ocspRequestFor(h.issuing, device.serialHex));
    const first = (await t.store.cas.get(h.issuing.id))!.ocspSignerDer!;
    t.clock.advance(21 * 24 * HOUR); // past two thirds of the 30 days
    const response = await respond(ocspRequestFor(h.issuing, device.serialHex));
    const second = (await t.store.cas.get(h.issuing.id))!.ocspSignerDer!;
    expect(Buffer.compare(first, second)).not.toBe(0);
    expect(Buffer.compare(response.basic!.certs[0]!, second)).toBe(0);
    const forced = await t.ca.ensureOcspSigner(h.issuing.id, CLI_ACTOR, { force: true });
    expect(Buffer.compare(forced.ocspSignerDer!, second)).not.toBe(0);
  });

  it('answers a cached request in well under a millisecond', async () => {
    const request = ocspRequestFor(h.issuing, device.serialHex);
    await t.ca.ocspRespond(h.issuing.id, request);
    const n = 5000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await t.ca.ocspRespond(h.issuing.id, request);
    const perRequestUs = Number(process.hrtime.bigint() - start) / 1000 / n;
    expect(perRequestUs).toBeLessThan(500);
  });

  it('answers internalError when the store fails, and reports the failure', async () => {
    const errors: string[] = [];
    const broken = createCertificateAuthority({
      store: faultyStore(t.store, ['certificates.getBySerial']),
      keys: t.keys,
      clock: t.clock,
      random: t.random,
      onError: (_error, where) => errors.push(where),
    });
    const response = OcspResponse.fromDer(
      await broken.ocspRespond(h.issuing.id, ocspRequestFor(h.issuing, device.serialHex)),
    );
    expect(response.status).toBe('internalError');
    expect(errors).toEqual([`ocsp ${h.issuing.id}`]);
    broken.close();
  });

  it('keeps nothing it was not asked to: a key for another CA does not match', async () => {
    const stranger = generateSigner('P-256');
    const issuing = Certificate.fromDer(h.issuing.certificateDer!);
    const spoofed = buildOcspRequest({
      certIds: [certIdFor(issuing.subject.der, new Uint8Array(stranger.publicKeySpki.subarray(-65)), device.serialHex)],
    });
    expect((await respond(spoofed)).status).toBe('unauthorized');
  });
});
