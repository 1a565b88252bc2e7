import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { buildCrl } from '../../../src/x509/crl/build.js';
import { CertificateRevocationList } from '../../../src/x509/crl/certificate-revocation-list.js';
import { verifyCrlSignature } from '../../../src/x509/crl/verify.js';
import { OID } from '../../../src/x509/oids.js';
import { encodePem } from '../../../src/x509/pem.js';
import { openSslDir, type OpenSslDir } from '../../crypto/openssl.js';
import { makeCa, opensslBoth, type TestCa } from './pki-fixture.js';

let dir: OpenSslDir;
let ca: TestCa;
beforeAll(() => {
  dir = openSslDir('keyline-crl-');
  ca = makeCa(dir);
});
afterAll(() => dir.remove());

const thisUpdate = new Date('2025-06-01T00:00:00Z');
const nextUpdate = new Date('2025-06-08T00:00:00Z');

describe('buildCrl → OpenSSL', () => {
  it('builds a v2 CRL with entry extensions that openssl crl reads and verifies against the CA', async () => {
    const crlDer = await buildCrl({
      issuer: ca.cert.subject.der,
      thisUpdate,
      nextUpdate,
      crlNumber: 42n,
      authorityKeyIdentifier: ca.cert.extension(OID.subjectKeyIdentifier)!.value.subarray(2),
      entries: [
        {
          serial: '0a1b2c',
          revocationDate: new Date('2025-05-01T10:00:00Z'),
          reason: 'keyCompromise',
          invalidityDate: new Date('2025-04-30T00:00:00Z'),
        },
        { serial: 0x99n, revocationDate: new Date('2025-05-02T10:00:00Z'), reason: 'cessationOfOperation' },
        { serial: Uint8Array.of(0x80, 0x01), revocationDate: new Date('2025-05-03T10:00:00Z') },
        { serial: '05', revocationDate: new Date('2025-05-04T10:00:00Z'), reason: 'unspecified' },
      ],
      signer: ca.signer,
    });
    const file = dir.write('built.crl', crlDer);
    const text = dir.run('crl', '-in', file, '-inform', 'DER', '-noout', '-text').toString();
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toContain('Issuer: CN = Keyline Test CA, O = Keyline');
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*42/);
    expect(text).toContain('Last Update: Jun  1 00:00:00 2025 GMT');
    expect(text).toContain('Serial Number: 0A1B2C');
    expect(text).toContain('Key Compromise');
    expect(text).toContain('Invalidity Date:');
    expect(text).toContain('Serial Number: 99');
    expect(text).toContain('Cessation Of Operation');
    expect(text).toContain('Serial Number: 8001');
    expect(text).not.toContain('Unspecified');
    // `openssl crl -verify` reports on stderr and exits 0 even on failure, so read the stream.
    const verify = opensslBoth(dir, 'crl', '-in', file, '-inform', 'DER', '-CAfile', ca.certPath, '-noout', '-verify');
    expect(verify.stderr).toContain('verify OK');
    const other = makeCa(dir, 'other-ca');
    const wrong = opensslBoth(
      dir,
      'crl',
      '-in',
      file,
      '-inform',
      'DER',
      '-CAfile',
      other.certPath,
      '-noout',
      '-verify',
    );
    expect(wrong.stderr + wrong.stdout).not.toContain('verify OK');

    const crl = CertificateRevocationList.fromDer(crlDer);
    expect(crl.version).toBe(2);
    expect(crl.crlNumber).toBe(42n);
    expect(crl.revokedCount).toBe(4);
    expect(crl.isRevoked('0A:1B:2C')?.reason).toBe('keyCompromise');
    expect(crl.isRevoked('0a1b2c')?.invalidityDate?.toISOString()).toBe('2025-04-30T00:00:00.000Z');
    expect(crl.isRevoked(0x8001n)?.revocationDate.toISOString()).toBe('2025-05-03T10:00:00.000Z');
    expect(crl.isRevoked('5')?.reason).toBeUndefined();
    expect(crl.isRevoked('06')).toBeUndefined();
    expect(Buffer.from(crl.authorityKeyIdentifier!.keyIdentifier!)).toEqual(
      Buffer.from(ca.cert.extension(OID.subjectKeyIdentifier)!.value.subarray(2)),
    );
    expect(verifyCrlSignature(crl, ca.cert.spki)).toBe(true);
    expect(verifyCrlSignature(crl, generateSigner().publicKeySpki)).toBe(false);
  });

  it('derives the authorityKeyIdentifier from the signer key by default (OpenSSL’s SKI method)', async () => {
    const crl = CertificateRevocationList.fromDer(
      await buildCrl({
        issuer: ca.cert.subject.der,
        thisUpdate,
        nextUpdate,
        crlNumber: 1n,
        entries: [],
        signer: ca.signer,
      }),
    );
    expect(Buffer.from(crl.authorityKeyIdentifier!.keyIdentifier!)).toEqual(
      Buffer.from(ca.cert.extension(OID.subjectKeyIdentifier)!.value.subarray(2)),
    );
    // No entries: revokedCertificates is absent, not empty (RFC 5280 5.1.2.6).
    expect(crl.revokedCount).toBe(0);
    expect(crl.revoked).toEqual([]);
    const pemFile = dir.write('empty.pem', crl.toPem());
    expect(dir.run('crl', '-in', pemFile, '-noout', '-text').toString()).toContain('No Revoked Certificates.');
    expect(opensslBoth(dir, 'crl', '-in', pemFile, '-CAfile', ca.certPath, '-noout', '-verify').stderr).toContain(
      'verify OK',
    );
  });

  it('builds delta CRLs and issuing distribution points that OpenSSL decodes', async () => {
    const crlDer = await buildCrl({
      issuer: ca.cert.subject.der,
      thisUpdate,
      nextUpdate,
      crlNumber: 7n,
      deltaCrlIndicator: 5n,
      issuingDistributionPoint: {
        distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example/ca.crl' }] },
        onlyContainsUserCerts: true,
        onlySomeReasons: new Set(['keyCompromise', 'superseded'] as const),
      },
      entries: [{ serial: '01', revocationDate: thisUpdate, reason: 'removeFromCRL' }],
      signer: ca.signer,
    });
    const text = dir.run('crl', '-in', dir.write('delta.crl', crlDer), '-inform', 'DER', '-noout', '-text').toString();
    expect(text).toMatch(/X509v3 Delta CRL Indicator: critical\s*\n\s*5/);
    expect(text).toContain('X509v3 Issuing Distribution Point: critical');
    expect(text).toContain('URI:http://crl.example/ca.crl');
    expect(text).toContain('Only User Certificates');
    expect(text).toMatch(/Only Some Reasons:\s*\n?\s*Key Compromise, Superseded/);
    expect(text).toContain('Remove From CRL');

    const crl = CertificateRevocationList.fromDer(crlDer);
    expect(crl.isDelta).toBe(true);
    expect(crl.deltaCrlIndicator).toBe(5n);
    expect(crl.issuingDistributionPoint).toEqual({
      distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example/ca.crl' }] },
      onlyContainsUserCerts: true,
      onlyContainsCACerts: false,
      onlySomeReasons: new Set(['keyCompromise', 'superseded']),
      indirectCRL: false,
      onlyContainsAttributeCerts: false,
    });
    expect(crl.unhandledCriticalExtensions).toEqual([]);
  });

  it('uses GeneralizedTime from 2050 as RFC 5280 5.1.2.4 requires', async () => {
    const crlDer = await buildCrl({
      issuer: ca.cert.subject.der,
      thisUpdate: new Date('2049-12-31T00:00:00Z'),
      nextUpdate: new Date('2050-01-02T00:00:00Z'),
      crlNumber: 1n,
      entries: [],
      signer: ca.signer,
    });
    const crl = CertificateRevocationList.fromDer(crlDer);
    expect(crl.nextUpdate?.toISOString()).toBe('2050-01-02T00:00:00.000Z');
    expect(Buffer.from(crl.tbs).includes(Buffer.from('20500102000000Z'))).toBe(true);
    expect(Buffer.from(crl.tbs).includes(Buffer.from('491231000000Z'))).toBe(true);
  });

  it('refuses builder input that cannot form a valid CRL', async () => {
    const base = { issuer: ca.cert.subject.der, thisUpdate, nextUpdate, crlNumber: 1n, signer: ca.signer };
    const r = new Date('2025-05-01T00:00:00Z');
    const cases = [
      { ...base, entries: [], nextUpdate: thisUpdate },
      {
        ...base,
        entries: [
          { serial: '01', revocationDate: r },
          { serial: '0x1', revocationDate: r },
        ],
      },
      { ...base, entries: [{ serial: '01', revocationDate: r, reason: 'removeFromCRL' as const }] },
      { ...base, entries: [{ serial: '01', revocationDate: r, reason: 'unused' as never }] },
      { ...base, entries: [{ serial: 'ff'.repeat(20), revocationDate: r }] },
      { ...base, entries: [], crlNumber: -1n },
      { ...base, entries: [], crlNumber: 1n << 160n },
      { ...base, entries: [], issuer: Uint8Array.of(0x30, 0x01) },
      { ...base, entries: [{ serial: '01', revocationDate: new Date(Number.NaN) }] },
      { ...base, entries: [], issuingDistributionPoint: {} },
      { ...base, entries: [], issuingDistributionPoint: { onlyContainsCACerts: true, onlyContainsUserCerts: true } },
    ];
    for (const input of cases) await expect(buildCrl(input)).rejects.toMatchObject({ code: 'ERR_X509_BUILD_INVALID' });
    // 20 octets including the sign octet is the limit.
    await expect(
      buildCrl({ ...base, entries: [{ serial: '7f' + 'ff'.repeat(19), revocationDate: r }] }),
    ).resolves.toBeInstanceOf(Uint8Array);
  });
});

describe('CertificateRevocationList ← openssl ca -gencrl', () => {
  function caConfig(extensions: boolean): string {
    return [
      '[ca]',
      'default_ca = CA_default',
      '[CA_default]',
      'database = index.txt',
      ...(extensions ? ['crlnumber = crlnumber', 'crl_extensions = crl_ext'] : []),
      `certificate = ${ca.certPath}`,
      `private_key = ${ca.keyPath}`,
      'default_md = sha256',
      'default_crl_days = 7',
      '[crl_ext]',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n');
  }

  it('reads a v2 CRL with reasons, invalidity dates and a hold instruction', () => {
    dir.write(
      'index.txt',
      [
        'R\t351231235959Z\t250101120000Z,keyTime,20241225000000Z\t0A1B\tunknown\t/CN=leaf1',
        'R\t351231235959Z\t250102120000Z,superseded\t0C\tunknown\t/CN=leaf2',
        'V\t351231235959Z\t\t0D\tunknown\t/CN=leaf3',
        'R\t351231235959Z\t250103120000Z,holdInstruction,holdInstructionReject\t7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\tunknown\t/CN=leaf4',
        'R\t351231235959Z\t250104120000Z\t0E\tunknown\t/CN=leaf5',
        '',
      ].join('\n'),
    );
    dir.write('crlnumber', '1000\n');
    dir.write('ca.cnf', caConfig(true));
    dir.run('ca', '-gencrl', '-config', 'ca.cnf', '-out', 'openssl.crl');
    const crl = CertificateRevocationList.fromPem(Buffer.from(dir.read('openssl.crl')).toString('latin1'));
    expect(crl.version).toBe(2);
    expect(crl.crlNumber).toBe(0x1000n);
    expect(crl.issuer.der).toEqual(ca.cert.subject.der);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(7 * 24 * 3600 * 1000);
    expect(crl.revokedCount).toBe(4);
    // `openssl ca` lists entries sorted by serial.
    expect(crl.revoked.map((e) => e.serialHex)).toEqual(['0c', '0e', '0a1b', '7f' + 'ff'.repeat(19)]);
    const first = crl.isRevoked('0A1B')!;
    expect(first.reason).toBe('keyCompromise');
    expect(first.invalidityDate?.toISOString()).toBe('2024-12-25T00:00:00.000Z');
    expect(first.revocationDate.toISOString()).toBe('2025-01-01T12:00:00.000Z');
    expect(crl.isRevoked('0c')?.reason).toBe('superseded');
    expect(crl.isRevoked('0d')).toBeUndefined();
    const held = crl.isRevoked('7f' + 'ff'.repeat(19))!;
    expect(held.reason).toBe('certificateHold');
    expect(held.extensions.map((e) => e.oid)).toContain('2.5.29.23'); // holdInstructionCode, kept opaque
    expect(crl.isRevoked('0e')?.reason).toBeUndefined();
    expect(crl.unhandledCriticalExtensions).toEqual([]);
    expect(verifyCrlSignature(crl, ca.cert.spki)).toBe(true);
    expect(Buffer.from(crl.authorityKeyIdentifier!.keyIdentifier!)).toEqual(
      Buffer.from(ca.cert.extension(OID.subjectKeyIdentifier)!.value.subarray(2)),
    );
  });

  it('reads a v1 CRL (no extensions at all)', () => {
    dir.write('index.txt', 'R\t351231235959Z\t250101120000Z\t01\tunknown\t/CN=leaf1\n');
    dir.write('ca-v1.cnf', caConfig(false));
    dir.run('ca', '-gencrl', '-config', 'ca-v1.cnf', '-out', 'v1.crl');
    dir.run('crl', '-in', 'v1.crl', '-outform', 'DER', '-out', 'v1.der');
    const crl = CertificateRevocationList.from(dir.read('v1.der'));
    expect(crl.version).toBe(1);
    expect(crl.extensions).toEqual([]);
    expect(crl.crlNumber).toBeUndefined();
    expect(crl.isRevoked(1n)?.serialHex).toBe('01');
    expect(verifyCrlSignature(crl, ca.cert.spki)).toBe(true);
  });

  it('re-encodes nothing: our tbs is byte-identical to what OpenSSL signed', () => {
    const der = dir.read('v1.der');
    const crl = CertificateRevocationList.fromDer(der);
    expect(crl.der).toBe(der);
    expect(crl.tbs.buffer).toBe(der.buffer); // a view, not a copy
    expect(Buffer.from(der).indexOf(Buffer.from(crl.tbs))).toBe(der[1] === 0x82 ? 4 : 3);
    expect(encodePem('X509 CRL', der)).toBe(crl.toPem());
  });
});
