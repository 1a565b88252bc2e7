import { Certificate, OcspResponse, buildOcspRequest, certIdFor, type CertId } from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import type { CertificateRecord } from '../../src/ca/records.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { deviceCsr, makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';

const HOUR = 3_600_000;

/** `ocspCached`: the synchronous look-up the OCSP endpoint's hot path uses (ca/ocsp-responder.ts). */
describe('the OCSP responder cache look-up (ocspCached)', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  let device: CertificateRecord;
  let issuing: Certificate;
  beforeEach(async () => {
    t = await testAuthority({ ocspValidityHours: 24, ocspRecheckMs: 200 });
    h = await makeHierarchy(t.ca);
    issuing = Certificate.fromDer(h.issuing.certificateDer!);
    device = (
      await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr('feedface'), profile: 'device' }, CLI_ACTOR)
    ).record;
  });
  afterEach(async () => t.dispose());

  const idOf = (serialHex: string, hash: 'sha1' | 'sha256' = 'sha1'): CertId =>
    certIdFor(issuing.subject.der, issuing.publicKey, serialHex, hash);
  const cached = (certId: CertId, caId = h.issuing.id) => t.ca.ocspCached!(caId, certId.der);
  const respond = (certId: CertId) => t.ca.ocspRespond(h.issuing.id, buildOcspRequest({ certIds: [certId] }));

  it('has nothing before the responder answered or pre-signed', () => {
    expect(cached(idOf(device.serialHex))).toBeUndefined();
  });

  it('returns exactly the response ocspRespond gives, without signing', async () => {
    const certId = idOf(device.serialHex);
    const answered = await respond(certId);
    const signs = t.keys.signCount();
    const hit = cached(certId);
    expect(hit?.certStatus).toBe('good');
    expect(Buffer.compare(hit!.der, answered)).toBe(0);
    expect(t.keys.signCount()).toBe(signs);
  });

  it('is filled by prewarmOcsp (SHA-1 CertIDs), for valid and revoked certificates', async () => {
    const other = (
      await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr('c0c0c0c0'), profile: 'device' }, CLI_ACTOR)
    ).record;
    await t.ca.revoke({ caId: h.issuing.id, serialHex: other.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    await t.ca.prewarmOcsp(h.issuing.id);
    expect(cached(idOf(device.serialHex))?.certStatus).toBe('good');
    const revoked = cached(idOf(other.serialHex));
    expect(revoked?.certStatus).toBe('revoked');
    expect(OcspResponse.fromDer(revoked!.der).basic!.responses[0]!.certStatus.status).toBe('revoked');
    // A CertID made with another hash is another key: not cached until asked.
    expect(cached(idOf(device.serialHex, 'sha256'))).toBeUndefined();
  });

  it('never holds a serial the CA did not issue, nor answers for another CA id', async () => {
    const unknown = idOf('7e57000000000000000000000000000001');
    expect(OcspResponse.fromDer(await respond(unknown)).basic!.responses[0]!.certStatus.status).toBe('unknown');
    expect(cached(unknown)).toBeUndefined();
    await respond(idOf(device.serialHex));
    expect(cached(idOf(device.serialHex), h.manufacturer.id)).toBeUndefined();
    expect(cached(idOf(device.serialHex), 'ca_nope')).toBeUndefined();
  });

  it('never returns good after an in-process revocation', async () => {
    const certId = idOf(device.serialHex);
    await respond(certId);
    expect(cached(certId)?.certStatus).toBe('good');
    // The clock stands still: no store re-check is due, the revocation event alone must do it.
    await t.ca.revoke({ caId: h.issuing.id, serialHex: device.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    // Dropped at once; the revoked response is signed right after (or by the next ocspRespond).
    expect(cached(certId)?.certStatus).not.toBe('good');
    await respond(certId);
    expect(cached(certId)?.certStatus).toBe('revoked');
  });

  it('declines once the store is due for a re-check, so a revocation by another process is seen', async () => {
    const certId = idOf(device.serialHex);
    await respond(certId);
    const other = createCertificateAuthority({ store: t.store, keys: t.keys, clock: t.clock, random: t.random });
    await other.revoke({ caId: h.issuing.id, serialHex: device.serialHex, reason: 'superseded' }, CLI_ACTOR);
    other.close();
    t.clock.advance(250);
    expect(cached(certId)).toBeUndefined();
    const response = OcspResponse.fromDer(await respond(certId));
    expect(response.basic!.responses[0]!.certStatus.status).toBe('revoked');
    expect(cached(certId)?.certStatus).toBe('revoked');
  });

  it('declines a response past half its validity (it is re-signed by ocspRespond)', async () => {
    const certId = idOf(device.serialHex);
    const first = await respond(certId);
    t.clock.advance(13 * HOUR);
    // Another request makes the store check fresh again: only the entry's age is left to decline it.
    await respond(idOf('7e57000000000000000000000000000001'));
    expect(cached(certId)).toBeUndefined();
    const second = await respond(certId);
    expect(Buffer.compare(first, second)).not.toBe(0);
    expect(Buffer.compare(cached(certId)!.der, second)).toBe(0);
  });
});
