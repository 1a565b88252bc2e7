import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner, softwareSigner } from '../../../src/crypto/signer.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import { Tag, contextConstructed } from '../../../src/x509/der/tags.js';
import * as der from '../../../src/x509/der/writer.js';
import { CertificationRequest } from '../../../src/x509/csr/certification-request.js';
import { buildCsr } from '../../../src/x509/csr/build.js';
import { verifyCsrSignature } from '../../../src/x509/csr/verify.js';
import { encodePem } from '../../../src/x509/pem.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf, openSslDir, type OpenSslDir } from '../../crypto/openssl.js';
import { opensslBoth } from '../crl/pki-fixture.js';

function cnName(cn: string, o?: string): Uint8Array {
  const rdns = [der.setOf(der.seq(der.oid(OID.commonName), der.utf8(cn)))];
  if (o !== undefined) rdns.unshift(der.setOf(der.seq(der.oid(OID.organizationName), der.utf8(o))));
  return der.seq(...rdns);
}

const sanDns = (name: string): Uint8Array => der.seq(der.ia5(name, 0x82));

let dir: OpenSslDir;
beforeAll(() => {
  dir = openSslDir('keyline-csr-');
});
afterAll(() => dir.remove());

describe('buildCsr → OpenSSL', () => {
  for (const curve of ['P-256', 'P-384', 'ed25519'] as const) {
    it(`builds a ${curve} request that openssl req verifies and reads`, async () => {
      const signer = generateSigner(curve);
      const csrDer = await buildCsr({
        subject: cnName('device-0001', 'Keyline'),
        extensions: [
          { oid: OID.subjectAltName, critical: false, value: sanDns('device-0001.example') },
          { oid: OID.basicConstraints, critical: true, value: der.seq() },
        ],
        signer,
      });
      const file = dir.write(`built-${curve}.pem`, encodePem('CERTIFICATE REQUEST', csrDer));
      const { status, stdout: out, stderr } = opensslBoth(dir, 'req', '-in', file, '-verify', '-noout', '-text');
      expect(status).toBe(0);
      expect(stderr).toContain('verify OK');
      expect(out).toContain('Subject: O = Keyline, CN = device-0001');
      expect(out).toContain('DNS:device-0001.example');
      expect(out).toMatch(/X509v3 Basic Constraints: critical/);

      const csr = CertificationRequest.fromDer(csrDer);
      expect(csr.version).toBe(0);
      expect(Buffer.from(csr.spki)).toEqual(Buffer.from(signer.publicKeySpki));
      expect(csr.extensions.map((e) => e.oid)).toEqual([OID.subjectAltName, OID.basicConstraints]);
      expect(csr.extensions[1]!.critical).toBe(true);
      expect(verifyCsrSignature(csr)).toBe(true);
    });
  }

  it('builds attributes [0] empty when there is nothing to request, as RFC 2986 requires', async () => {
    const csrDer = await buildCsr({ subject: cnName('bare'), signer: generateSigner() });
    const csr = CertificationRequest.fromDer(csrDer);
    expect(csr.attributes).toEqual([]);
    expect(csr.extensions).toEqual([]);
    expect(Buffer.from(csr.tbs).includes(Buffer.from([0xa0, 0x00]))).toBe(true);
    const out = dir.run('req', '-in', dir.write('bare.pem', csr.toPem()), '-verify', '-noout', '-text').toString();
    expect(out).toContain('Attributes:');
  });

  it('carries a challengePassword that OpenSSL shows', async () => {
    const csrDer = await buildCsr({
      subject: cnName('pw'),
      challengePassword: 'open sesame',
      signer: generateSigner(),
    });
    const csr = CertificationRequest.fromDer(csrDer);
    expect(csr.challengePassword).toBe('open sesame');
    const out = dir.run('req', '-in', dir.write('pw.pem', csr.toPem()), '-verify', '-noout', '-text').toString();
    expect(out).toMatch(/challengePassword\s*:\s*open sesame/);
  });

  it('refuses builder input that cannot form a request', async () => {
    const signer = generateSigner();
    await expect(buildCsr({ subject: Uint8Array.of(1, 2, 3), signer })).rejects.toMatchObject({
      code: 'ERR_X509_BUILD_INVALID',
    });
    const ext = { oid: OID.subjectAltName, critical: false, value: sanDns('a') };
    await expect(buildCsr({ subject: cnName('x'), extensions: [ext, ext], signer })).rejects.toMatchObject({
      code: 'ERR_X509_BUILD_INVALID',
    });
    await expect(buildCsr({ subject: cnName('x'), challengePassword: '', signer })).rejects.toMatchObject({
      code: 'ERR_X509_BUILD_INVALID',
    });
  });
});

describe('CertificationRequest ← OpenSSL', () => {
  it('reads an EC request made by openssl req -new, with extensions and a challengePassword', () => {
    dir.write(
      'req.cnf',
      [
        '[req]',
        'prompt = no',
        'distinguished_name = dn',
        'attributes = attrs',
        'req_extensions = exts',
        '[dn]',
        'C = NZ',
        'O = Keyline',
        'CN = gateway.example',
        '[attrs]',
        'challengePassword = s3cret-Pass',
        '[exts]',
        'subjectAltName = DNS:gateway.example, IP:192.0.2.7',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = clientAuth',
        '',
      ].join('\n'),
    );
    dir.run(
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-config',
      'req.cnf',
      '-keyout',
      'gw.key',
      '-out',
      'gw.csr',
    );
    const pem = Buffer.from(dir.read('gw.csr')).toString('latin1');
    const csr = CertificationRequest.fromPem(pem);
    expect(csr.subject.rdns.map((rdn) => rdn[0]!.value)).toEqual(['NZ', 'Keyline', 'gateway.example']);
    expect(csr.challengePassword).toBe('s3cret-Pass');
    expect(csr.extensions.map((e) => [e.oid, e.critical])).toEqual([
      [OID.subjectAltName, false],
      [OID.keyUsage, true],
      [OID.extKeyUsage, false],
    ]);
    expect(csr.attributes.map((a) => a.oid).sort()).toEqual([OID.challengePassword, OID.extensionRequest].sort());
    expect(verifyCsrSignature(csr)).toBe(true);
    expect(csr.extension(OID.keyUsage)?.critical).toBe(true);

    // The key in the request is the key OpenSSL generated.
    const key = createPrivateKey(Buffer.from(dir.read('gw.key')));
    expect(Buffer.from(csr.spki)).toEqual(Buffer.from(softwareSigner(key).publicKeySpki));
  });

  it('reads an RSA request (verification only) and an Ed25519 one', () => {
    dir.run(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=rsa',
      '-keyout',
      'rsa.key',
      '-out',
      'rsa.csr',
    );
    const rsa = CertificationRequest.from(dir.read('rsa.csr'));
    expect(rsa.signatureAlgorithm.oid).toBe(OID.sha256WithRsa);
    expect(verifyCsrSignature(rsa)).toBe(true);

    dir.run('req', '-new', '-newkey', 'ed25519', '-nodes', '-subj', '/CN=ed', '-keyout', 'ed.key', '-out', 'ed.csr');
    dir.run('req', '-in', 'ed.csr', '-outform', 'DER', '-out', 'ed.der');
    const ed = CertificationRequest.from(dir.read('ed.der'));
    expect(ed.signatureAlgorithm.oid).toBe(OID.ed25519);
    expect(verifyCsrSignature(ed)).toBe(true);
  });

  it('reports a signature that does not verify as false (proof of possession fails)', async () => {
    const csrDer = await buildCsr({ subject: cnName('tamper'), signer: generateSigner() });
    const other = await buildCsr({ subject: cnName('tampeR'), signer: generateSigner() });
    // Same length subject, different content: swap the info while keeping the signature.
    const a = CertificationRequest.fromDer(csrDer);
    const b = CertificationRequest.fromDer(other);
    const swapped = der.seq(a.tbs, der.seq(der.oid(OID.ecdsaWithSha256)), der.bits(b.signatureValue));
    expect(verifyCsrSignature(CertificationRequest.fromDer(swapped))).toBe(false);
    // OpenSSL, the independent peer, refuses it too.
    const peer = opensslBoth(
      dir,
      'req',
      '-in',
      dir.write('swapped.der', swapped),
      '-inform',
      'DER',
      '-verify',
      '-noout',
    );
    // OpenSSL 3.0 exits 0 here and reports only on stderr.
    expect(peer.stderr).toContain('verify failure');
    expect(peer.stderr).not.toContain('verify OK');
  });
});

describe('CertificationRequest refuses malformed input with codes', () => {
  const signer = generateSigner();
  const alg = der.seq(der.oid(OID.ecdsaWithSha256));
  const sig = der.bits(Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01));
  const info = (version: number, attributes: Uint8Array | null = der.tlv(contextConstructed(0), new Uint8Array(0))) =>
    der.seq(der.int(version), cnName('x'), signer.publicKeySpki, ...(attributes ? [attributes] : []));
  const request = (tbs: Uint8Array) => der.seq(tbs, alg, sig);

  it('accepts the well-formed baseline', () => {
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0))))).toBe('no error');
  });

  it('refuses a wrong version, missing attributes, trailing and truncated bytes', async () => {
    expect(codeOf(() => CertificationRequest.fromDer(request(info(1))))).toBe('ERR_X509_BAD_CSR');
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, null))))).toBe('ERR_X509_BAD_CSR');
    const good = await buildCsr({ subject: cnName('t'), signer });
    expect(codeOf(() => CertificationRequest.fromDer(Uint8Array.from([...good, 0])))).toBe('ERR_DER_TRAILING_BYTES');
    for (const cut of [1, 2, 10, good.length - 1]) {
      expect(codeOf(() => CertificationRequest.fromDer(good.subarray(0, cut)))).toMatch(/^ERR_DER_/);
    }
    expect(codeOf(() => CertificationRequest.fromDer(der.seq(info(0), alg)))).toBe('ERR_DER_TRUNCATED');
    expect(codeOf(() => CertificationRequest.fromDer(der.seq(info(0), alg, sig, der.nul())))).toBe(
      'ERR_DER_TRAILING_BYTES',
    );
  });

  it('refuses attributes out of DER order, duplicated, empty or multi-valued where single-valued', () => {
    const pw = der.seq(der.oid(OID.challengePassword), der.setOf(der.printable('a')));
    const ext = der.seq(
      der.oid(OID.extensionRequest),
      der.setOf(der.seq(der.seq(der.oid(OID.keyUsage), der.octets(der.namedBits([0]))))),
    );
    const attrs = (...items: Uint8Array[]) => der.tlv(contextConstructed(0), der.concat(items));
    const [first, second] = [pw, ext].sort(der.compareBytes);
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, attrs(first!, second!)))))).toBe('no error');
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, attrs(second!, first!)))))).toBe(
      'ERR_DER_BAD_SET_ORDER',
    );
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, attrs(pw, pw)))))).toBe('ERR_X509_BAD_CSR');
    const empty = der.seq(der.oid(OID.challengePassword), der.tlv(Tag.SET, new Uint8Array(0)));
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, attrs(empty)))))).toBe('ERR_X509_BAD_CSR');
    const twoPw = der.seq(der.oid(OID.challengePassword), der.setOf(der.printable('a'), der.printable('b')));
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, attrs(twoPw)))))).toBe('ERR_X509_BAD_CSR');
    const emptyExts = der.seq(der.oid(OID.extensionRequest), der.setOf(der.seq()));
    expect(codeOf(() => CertificationRequest.fromDer(request(info(0, attrs(emptyExts)))))).toBe(
      'ERR_X509_EMPTY_EXTENSIONS',
    );
  });

  it('refuses a PEM text without a request block', () => {
    expect(codeOf(() => CertificationRequest.fromPem('no pem here'))).toBe('ERR_PEM_MALFORMED');
    expect(() => CertificationRequest.fromDer('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => CertificationRequest.fromDer(Uint8Array.of(0x30))).toThrow(KeylineError);
  });
});
