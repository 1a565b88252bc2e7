import { Certificate, CertificateRevocationList, OcspResponse } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaRecord, CertificateRecord } from '../../src/ca/records.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';
import { OpensslDir } from './support/openssl.js';

/**
 * The whole path issue 3 checks, with OpenSSL as the independent peer: root → manufacturer CA →
 * issuing CA → a device certificate from an OpenSSL-made CSR, accepted by `openssl verify`; then
 * revoked: the CRL lists it (`openssl crl`), `openssl verify -crl_check` refuses it, and an OCSP
 * request made by `openssl ocsp` is answered `revoked` in a response OpenSSL verifies.
 */
describe('the CA hierarchy against OpenSSL', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  let ossl: OpensslDir;
  let device: CertificateRecord;
  const chip = '0a1b2c3d4e5f6071';

  const pem = (ca: CaRecord): Uint8Array => ca.certificateDer!;

  beforeAll(async () => {
    t = await testAuthority({ publicUrl: 'http://127.0.0.1:8443' }, undefined, new Date());
    h = await makeHierarchy(t.ca);
    ossl = new OpensslDir();
    ossl.writePem('root.pem', 'CERTIFICATE', pem(h.root));
    ossl.writePem('chain.pem', 'CERTIFICATE', pem(h.issuing), pem(h.manufacturer));
    ossl.writePem('issuing.pem', 'CERTIFICATE', pem(h.issuing));
    ossl.run(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'device.key',
      '-subj',
      `/CN=${chip}`,
      '-outform',
      'DER',
      '-out',
      'device.csr',
    );
    const result = await t.ca.issue(
      { caId: h.issuing.id, csrDer: ossl.read('device.csr'), profile: 'device' },
      CLI_ACTOR,
    );
    device = result.record;
    ossl.writePem('device.pem', 'CERTIFICATE', device.der!);
  });

  afterAll(async () => {
    ossl?.dispose();
    await t?.dispose();
  });

  it('makes every CA active with its certificate chained to its parent', () => {
    const root = Certificate.fromDer(pem(h.root));
    const mfr = Certificate.fromDer(pem(h.manufacturer));
    const issuing = Certificate.fromDer(pem(h.issuing));
    expect(root.isSelfIssuedByBytes).toBe(true);
    expect(Buffer.compare(mfr.issuer.der, root.subject.der)).toBe(0);
    expect(Buffer.compare(issuing.issuer.der, mfr.subject.der)).toBe(0);
    expect([h.root.status, h.manufacturer.status, h.issuing.status]).toEqual(['active', 'active', 'active']);
    expect(h.issuing.parentId).toBe(h.manufacturer.id);
    expect(h.root.fingerprint).toBe(root.fingerprint);
  });

  it('issues the device named by its chip serial, with a 128-bit serial', () => {
    const cert = Certificate.fromDer(device.der!);
    expect(device.status).toBe('valid');
    expect(device.deviceId).toBe(chip);
    expect(cert.serialNumber.length).toBe(16);
    expect(device.serialHex).toBe(cert.serialHex);
    expect(device.subject).toContain(`CN=${chip}`);
    expect(device.subject).toContain('keylineProductId=sensor-1');
    expect(Buffer.compare(device.tbsDer!, cert.tbs)).toBe(0);
  });

  it('is accepted by openssl verify', () => {
    const out = ossl.run('verify', '-CAfile', 'root.pem', '-untrusted', 'chain.pem', 'device.pem');
    expect(out.trim()).toBe('device.pem: OK');
  });

  it('passes openssl verify -crl_check while valid', async () => {
    const crl = await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    ossl.writePem('crl-before.pem', 'X509 CRL', crl.der);
    const out = ossl.run(
      'verify',
      '-crl_check',
      '-CAfile',
      'root.pem',
      '-untrusted',
      'chain.pem',
      '-CRLfile',
      'crl-before.pem',
      'device.pem',
    );
    expect(out.trim()).toBe('device.pem: OK');
  });

  it('answers good over OCSP for a request made by openssl ocsp', async () => {
    ossl.run('ocsp', '-issuer', 'issuing.pem', '-cert', 'device.pem', '-no_nonce', '-reqout', 'good.req');
    const response = await t.ca.ocspRespond(h.issuing.id, ossl.read('good.req'));
    ossl.writeDer('good.resp', response);
    const out = ossl.run(
      'ocsp',
      '-respin',
      'good.resp',
      '-issuer',
      'issuing.pem',
      '-cert',
      'device.pem',
      '-CAfile',
      'root.pem',
      '-verify_other',
      'chain.pem',
      '-no_nonce',
    );
    expect(out).toMatch(/device\.pem: good/);
  });

  it('after revocation: listed by the CRL, refused by openssl verify -crl_check, revoked over OCSP', async () => {
    const revoked = await t.ca.revoke(
      { caId: h.issuing.id, serialHex: device.serialHex, reason: 'keyCompromise' },
      CLI_ACTOR,
    );
    expect(revoked.status).toBe('revoked');

    const crl = await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    const parsed = CertificateRevocationList.fromDer(crl.der);
    expect(parsed.crlNumber).toBe(2n);
    ossl.writePem('crl.pem', 'X509 CRL', crl.der);
    const text = ossl.run('crl', '-in', 'crl.pem', '-noout', '-text');
    expect(text).toContain(`Serial Number: ${device.serialHex.toUpperCase()}`);
    expect(text).toContain('Key Compromise');
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*2/);
    expect(text).toContain('X509v3 Authority Key Identifier');

    const refused = ossl.try(
      'verify',
      '-crl_check',
      '-CAfile',
      'root.pem',
      '-untrusted',
      'chain.pem',
      '-CRLfile',
      'crl.pem',
      'device.pem',
    );
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain('certificate revoked');

    // With a nonce this time (openssl's default): the response must echo it. Given -reqin,
    // openssl checks the nonce against that request (and prints statuses only in -resp_text).
    ossl.run('ocsp', '-issuer', 'issuing.pem', '-cert', 'device.pem', '-reqout', 'revoked.req');
    const response = await t.ca.ocspRespond(h.issuing.id, ossl.read('revoked.req'));
    ossl.writeDer('revoked.resp', response);
    const checked = ossl.try(
      'ocsp',
      '-reqin',
      'revoked.req',
      '-respin',
      'revoked.resp',
      '-issuer',
      'issuing.pem',
      '-CAfile',
      'root.pem',
      '-verify_other',
      'chain.pem',
      '-resp_text',
    );
    expect(checked.status).toBe(0);
    expect(checked.output).toContain('Response verify OK');
    expect(checked.output).toContain('Cert Status: revoked');
    expect(checked.output).toMatch(/Revocation Reason: keyCompromise/);
    expect(checked.output).toContain('OCSP Nonce');
    expect(checked.output).not.toContain('Nonce Verify error');
    const named = ossl.run(
      'ocsp',
      '-respin',
      'revoked.resp',
      '-issuer',
      'issuing.pem',
      '-cert',
      'device.pem',
      '-CAfile',
      'root.pem',
      '-verify_other',
      'chain.pem',
      '-no_nonce',
    );
    expect(named).toMatch(/device\.pem: revoked/);
    const basic = OcspResponse.fromDer(response);
    expect(basic.status).toBe('successful');
  });
});
