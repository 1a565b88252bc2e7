import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicOCSPResponse, OCSPResponse as PeculiarOcspResponse } from '@peculiar/asn1-ocsp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdentifierFromSpki } from '../../../src/crypto/hash.js';
import { generateSigner } from '../../../src/crypto/signer.js';
import { OID } from '../../../src/x509/oids.js';
import { buildOcspRequest } from '../../../src/x509/ocsp/build-request.js';
import { buildOcspErrorResponse, buildOcspResponse } from '../../../src/x509/ocsp/build-response.js';
import { certIdEquals, certIdFor } from '../../../src/x509/ocsp/cert-id.js';
import { OcspRequest } from '../../../src/x509/ocsp/ocsp-request.js';
import { OcspResponse } from '../../../src/x509/ocsp/ocsp-response.js';
import { verifyOcspResponseSignature } from '../../../src/x509/ocsp/verify.js';
import { openSslDir, type OpenSslDir } from '../../crypto/openssl.js';
import { issueLeaf, makeCa, opensslBoth, type TestCa, type TestLeaf } from '../crl/pki-fixture.js';

let dir: OpenSslDir;
let ca: TestCa;
let leaf: TestLeaf;
beforeAll(() => {
  dir = openSslDir('keyline-ocsp-');
  ca = makeCa(dir);
  leaf = issueLeaf(dir, ca, 'leaf', '1234');
});
afterAll(() => dir.remove());

const leafCertId = (hash: 'sha1' | 'sha256' = 'sha1') =>
  certIdFor(ca.cert.subject.der, ca.cert.publicKey, leaf.cert.serialNumber, hash);
const upperHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A time as OpenSSL prints it: `Jun  1 00:00:00 2025 GMT`. */
const opensslDate = (d: Date) =>
  `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()} GMT`;
const nonce = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));

describe('OCSP requests', () => {
  it('builds a request that openssl ocsp -req_text reads, with its nonce', () => {
    const id = leafCertId();
    const reqDer = buildOcspRequest({ certIds: [id], nonce });
    const text = dir.run('ocsp', '-reqin', dir.write('ours.req', reqDer), '-req_text').toString();
    expect(text).toContain('Hash Algorithm: sha1');
    expect(text).toContain(`Issuer Name Hash: ${upperHex(id.issuerNameHash)}`);
    expect(text).toContain(`Issuer Key Hash: ${upperHex(id.issuerKeyHash)}`);
    expect(text).toContain('Serial Number: 1234');
    expect(text).toMatch(/OCSP Nonce:\s*\n\s*0410 ?00112233445566778899AABBCCDDEEFF/);
    // Our issuerKeyHash is the CA's subjectKeyIdentifier (RFC 5280 method 1, what OpenSSL computed).
    expect(upperHex(id.issuerKeyHash)).toBe(upperHex(keyIdentifierFromSpki(ca.cert.spki)));
  });

  it('reads requests made by openssl ocsp -reqout, and certIdFor matches their CertID byte for byte', () => {
    dir.run('ocsp', '-issuer', ca.certPath, '-cert', leaf.certPath, '-reqout', 'sha1.req');
    const req = OcspRequest.fromDer(dir.read('sha1.req'));
    expect(req.version).toBe(1);
    expect(req.requests).toHaveLength(1);
    expect(Buffer.from(req.requests[0]!.certId.der)).toEqual(Buffer.from(leafCertId().der));
    expect(req.requests[0]!.certId.hash).toBe('sha1');
    expect(req.requests[0]!.certId.serialHex).toBe('1234');
    expect(req.nonce).toHaveLength(16);
    expect(req.signature).toBeUndefined();

    dir.run('ocsp', '-sha256', '-no_nonce', '-issuer', ca.certPath, '-cert', leaf.certPath, '-reqout', 'sha256.req');
    const req256 = OcspRequest.fromDer(dir.read('sha256.req'));
    expect(req256.nonce).toBeUndefined();
    expect(req256.extensions).toEqual([]);
    expect(Buffer.from(req256.requests[0]!.certId.der)).toEqual(Buffer.from(leafCertId('sha256').der));
    expect(certIdEquals(req256.requests[0]!.certId, leafCertId('sha256'))).toBe(true);
    expect(certIdEquals(req256.requests[0]!.certId, leafCertId('sha1'))).toBe(false);
  });

  it('reads a signed request, exposing but not verifying its signature', () => {
    const leafKey = dir.path('leaf.key');
    dir.run(
      'ocsp',
      '-issuer',
      ca.certPath,
      '-cert',
      leaf.certPath,
      '-signer',
      leaf.certPath,
      '-signkey',
      leafKey,
      '-reqout',
      'signed.req',
    );
    const req = OcspRequest.fromDer(dir.read('signed.req'));
    expect(req.signature?.algorithm.oid).toBe(OID.ecdsaWithSha256);
    expect(req.signature?.certs).toHaveLength(1);
    expect(Buffer.from(req.signature!.certs[0]!)).toEqual(Buffer.from(leaf.cert.der));
    expect(req.requestorName?.type).toBe('directoryName');
    expect(req.tbs.length).toBeLessThan(req.der.length);
  });
});

describe('OCSP responses', () => {
  it('reads what openssl’s one-shot responder answers to our request (good, then revoked)', () => {
    const reqFile = dir.write('ask.req', buildOcspRequest({ certIds: [leafCertId()], nonce }));
    dir.write('index.txt', 'V\t351231235959Z\t\t1234\tunknown\t/CN=leaf\n');
    const args = ['ocsp', '-index', 'index.txt', '-CA', ca.certPath, '-rsigner', ca.certPath, '-rkey', ca.keyPath];
    dir.run(...args, '-reqin', reqFile, '-respout', 'good.resp', '-ndays', '1');
    const good = OcspResponse.fromDer(dir.read('good.resp'));
    expect(good.status).toBe('successful');
    const basic = good.basic!;
    expect(basic.responderId.type).toBe('byName');
    expect(basic.responderId.type === 'byName' && Buffer.from(basic.responderId.name.der)).toEqual(
      Buffer.from(ca.cert.subject.der),
    );
    expect(Buffer.from(basic.nonce!)).toEqual(Buffer.from(nonce));
    expect(basic.responses).toHaveLength(1);
    const single = basic.find(leafCertId())!;
    expect(single.certStatus).toEqual({ status: 'good' });
    expect(single.nextUpdate!.getTime() - single.thisUpdate.getTime()).toBe(24 * 3600 * 1000);
    expect(basic.certs.map((c) => Buffer.from(c))).toEqual([Buffer.from(ca.cert.der)]);
    expect(verifyOcspResponseSignature(basic, ca.cert.spki)).toBe(true);
    expect(verifyOcspResponseSignature(basic, generateSigner().publicKeySpki)).toBe(false);

    dir.write('index.txt', 'R\t351231235959Z\t250101120000Z,keyCompromise\t1234\tunknown\t/CN=leaf\n');
    dir.run(...args, '-reqin', reqFile, '-respout', 'revoked.resp');
    const revoked = OcspResponse.fromDer(dir.read('revoked.resp')).basic!.responses[0]!;
    expect(revoked.certStatus).toEqual({
      status: 'revoked',
      revocationTime: new Date('2025-01-01T12:00:00Z'),
      reason: 'keyCompromise',
    });
    expect(revoked.nextUpdate).toBeUndefined();
  });

  it('builds responses that openssl ocsp verifies and reports (byName with certs, byKey without)', async () => {
    const reqDer = buildOcspRequest({ certIds: [leafCertId()], nonce });
    const request = OcspRequest.fromDer(reqDer);
    // OpenSSL checks the times against its clock, so these are relative to now (whole seconds + 789 ms).
    const now = Math.floor(Date.now() / 1000) * 1000;
    const thisUpdate = new Date(now - 60_000 + 789);
    const producedAt = new Date(now - 30_000);
    const respDer = await buildOcspResponse({
      responder: { byName: ca.cert.subject.der },
      producedAt,
      responses: [
        {
          certId: request.requests[0]!.certId,
          certStatus: { status: 'good' },
          thisUpdate,
          nextUpdate: new Date(now + 86_400_000),
        },
      ],
      nonce: request.nonce!,
      signer: ca.signer,
      certs: [ca.cert.der],
    });
    const respFile = dir.write('ours-good.resp', respDer);
    const text = dir.run('ocsp', '-respin', respFile, '-resp_text', '-noverify').toString();
    expect(text).toContain('OCSP Response Status: successful (0x0)');
    expect(text).toContain('Responder Id: CN = Keyline Test CA, O = Keyline');
    expect(text).toContain(`Produced At: ${opensslDate(producedAt)}`);
    expect(text).toContain(`This Update: ${opensslDate(new Date(now - 60_000))}`);
    expect(text).toContain('Cert Status: good');
    const status = opensslBoth(
      dir,
      'ocsp',
      '-respin',
      respFile,
      '-CAfile',
      ca.certPath,
      '-issuer',
      ca.certPath,
      '-cert',
      leaf.certPath,
      '-no_nonce',
    );
    expect(status.status).toBe(0);
    expect(status.stderr).toContain('Response verify OK');
    expect(status.stdout).toContain('leaf.pem: good');
    // The nonce OpenSSL compares with its request.
    const withNonce = opensslBoth(
      dir,
      'ocsp',
      '-reqin',
      dir.write('nonce.req', reqDer),
      '-respin',
      respFile,
      '-CAfile',
      ca.certPath,
    );
    expect(withNonce.status).toBe(0);
    expect(withNonce.stderr).toContain('Response verify OK');
    expect(withNonce.stderr).not.toContain('Nonce Verify error');
    // GeneralizedTime is written without fractional seconds.
    const parsed = OcspResponse.fromDer(respDer).basic!;
    expect(parsed.responses[0]!.thisUpdate.getTime()).toBe(now - 60_000);
    expect(Buffer.from(respDer).includes(Buffer.from('.789Z'))).toBe(false);

    const revokedDer = await buildOcspResponse({
      responder: { byKeyHash: keyIdentifierFromSpki(ca.cert.spki) },
      producedAt,
      responses: [
        {
          certId: leafCertId(),
          certStatus: { status: 'revoked', revocationTime: new Date('2025-05-01T00:00:00Z'), reason: 'superseded' },
          thisUpdate,
        },
      ],
      signer: ca.signer,
    });
    const revokedFile = dir.write('ours-revoked.resp', revokedDer);
    const revoked = opensslBoth(
      dir,
      'ocsp',
      '-respin',
      revokedFile,
      '-CAfile',
      ca.certPath,
      '-verify_other',
      ca.certPath,
      '-issuer',
      ca.certPath,
      '-cert',
      leaf.certPath,
      '-no_nonce',
    );
    expect(revoked.stderr).toContain('Response verify OK');
    expect(revoked.stdout).toContain('leaf.pem: revoked');
    expect(revoked.stdout).toContain('Reason: superseded');
    expect(revoked.stdout).toContain('Revocation Time: May  1 00:00:00 2025 GMT');
    const keyText = dir.run('ocsp', '-respin', revokedFile, '-resp_text', '-noverify').toString();
    expect(keyText).toContain(`Responder Id: ${upperHex(keyIdentifierFromSpki(ca.cert.spki))}`);

    // A flipped signature bit is caught by OpenSSL too.
    const signature = parsed.signatureValue;
    const tampered = Uint8Array.from(respDer);
    tampered[signature.byteOffset - respDer.byteOffset + signature.length - 1]! ^= 0x01;
    const bad = opensslBoth(
      dir,
      'ocsp',
      '-respin',
      dir.write('tampered.resp', tampered),
      '-CAfile',
      ca.certPath,
      '-no_nonce',
      '-issuer',
      ca.certPath,
      '-cert',
      leaf.certPath,
    );
    expect(bad.stderr).not.toContain('Response verify OK');
    expect(verifyOcspResponseSignature(OcspResponse.fromDer(tampered).basic!, ca.cert.spki)).toBe(false);
  });

  it('builds error responses OpenSSL reads', () => {
    for (const [status, code] of [
      ['malformedRequest', 1],
      ['internalError', 2],
      ['tryLater', 3],
      ['sigRequired', 5],
      ['unauthorized', 6],
    ] as const) {
      const der = buildOcspErrorResponse(status);
      expect(Buffer.from(der)).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, code]));
      // OpenSSL reports error responses as "Responder Error: <status> (<code>)" and exits 1.
      const out = opensslBoth(dir, 'ocsp', '-respin', dir.write(`${status}.resp`, der), '-resp_text');
      expect(out.stdout + out.stderr).toContain(`Responder Error: ${status.toLowerCase()} (${code})`);
      const parsed = OcspResponse.fromDer(der);
      expect(parsed.status).toBe(status);
      expect(parsed.basic).toBeUndefined();
    }
    expect(() => buildOcspErrorResponse('successful' as never)).toThrow(TypeError);
  });

  it('agrees with @peculiar/asn1-ocsp as an independent decoder', async () => {
    const respDer = await buildOcspResponse({
      responder: { byKeyHash: keyIdentifierFromSpki(ca.cert.spki) },
      producedAt: new Date('2025-06-01T00:00:01Z'),
      responses: [
        { certId: leafCertId(), certStatus: { status: 'unknown' }, thisUpdate: new Date('2025-06-01T00:00:00Z') },
        { certId: leafCertId('sha256'), certStatus: { status: 'good' }, thisUpdate: new Date('2025-06-01T00:00:00Z') },
      ],
      nonce,
      signer: ca.signer,
    });
    const peer = AsnConvert.parse(respDer, PeculiarOcspResponse);
    expect(peer.responseBytes?.responseType).toBe(OID.ocspBasic);
    const basic = AsnConvert.parse(peer.responseBytes!.response.buffer, BasicOCSPResponse);
    expect(basic.tbsResponseData.responses).toHaveLength(2);
    expect(basic.tbsResponseData.responses[0]!.certStatus.unknown).toBeDefined();
    expect(basic.tbsResponseData.responses[1]!.certStatus.good).toBeDefined();
    expect(basic.tbsResponseData.responderID.byKey).toBeDefined();
    expect(basic.tbsResponseData.producedAt.toISOString()).toBe('2025-06-01T00:00:01.000Z');
    const ours = OcspResponse.fromDer(respDer).basic!;
    expect(Buffer.from(AsnConvert.serialize(basic.tbsResponseData))).toEqual(Buffer.from(ours.tbs));
  });
});
