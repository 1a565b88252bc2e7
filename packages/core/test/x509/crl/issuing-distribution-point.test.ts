import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrl } from '../../../src/x509/crl/build.js';
import {
  decodeIssuingDistributionPoint,
  encodeIssuingDistributionPoint,
  type IssuingDistributionPointInput,
} from '../../../src/x509/crl/issuing-distribution-point.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf, openSslDir, type OpenSslDir } from '../../crypto/openssl.js';
import { makeCa, type TestCa } from './pki-fixture.js';

const rdn = der.setOf(der.seq(der.oid(OID.organizationalUnitName), der.utf8('partition 7')));

describe('issuingDistributionPoint codec', () => {
  const cases: Array<[string, IssuingDistributionPointInput]> = [
    ['fullName only', { distributionPoint: { fullName: [{ type: 'uri', value: 'http://crl.example/1.crl' }] } }],
    ['relative name and CA certs', { distributionPoint: { nameRelativeToCRLIssuer: rdn }, onlyContainsCACerts: true }],
    [
      'indirect with reasons',
      { indirectCRL: true, onlySomeReasons: new Set(['cACompromise', 'aACompromise'] as const) },
    ],
    ['attribute certs', { onlyContainsAttributeCerts: true }],
  ];
  for (const [label, input] of cases) {
    it(`round-trips ${label}`, () => {
      const decoded = decodeIssuingDistributionPoint(encodeIssuingDistributionPoint(input));
      expect(decoded).toEqual({
        onlyContainsUserCerts: false,
        onlyContainsCACerts: false,
        indirectCRL: false,
        onlyContainsAttributeCerts: false,
        ...input,
      });
    });
  }

  it('refuses to encode what it would refuse to decode', () => {
    expect(codeOf(() => encodeIssuingDistributionPoint({}))).toBe('ERR_X509_BUILD_INVALID');
    expect(
      codeOf(() => encodeIssuingDistributionPoint({ onlyContainsUserCerts: true, onlyContainsAttributeCerts: true })),
    ).toBe('ERR_X509_BUILD_INVALID');
    expect(
      codeOf(() => encodeIssuingDistributionPoint({ distributionPoint: { nameRelativeToCRLIssuer: der.seq() } })),
    ).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => encodeIssuingDistributionPoint({ distributionPoint: { fullName: [] } }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => encodeIssuingDistributionPoint({ onlySomeReasons: new Set(['bogus' as never]) }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });
});

describe('issuingDistributionPoint seen by OpenSSL', () => {
  let dir: OpenSslDir;
  let ca: TestCa;
  beforeAll(() => {
    dir = openSslDir('keyline-idp-');
    ca = makeCa(dir);
  });
  afterAll(() => dir.remove());

  it('prints the indirect, CA-only and relative-name forms', async () => {
    const crlDer = await buildCrl({
      issuer: ca.cert.subject.der,
      thisUpdate: new Date('2025-06-01T00:00:00Z'),
      nextUpdate: new Date('2025-06-02T00:00:00Z'),
      crlNumber: 2n,
      issuingDistributionPoint: {
        distributionPoint: { nameRelativeToCRLIssuer: rdn },
        onlyContainsCACerts: true,
        indirectCRL: true,
      },
      entries: [],
      signer: ca.signer,
    });
    const text = dir.run('crl', '-in', dir.write('idp.crl', crlDer), '-inform', 'DER', '-noout', '-text').toString();
    expect(text).toContain('X509v3 Issuing Distribution Point: critical');
    expect(text).toContain('Relative Name');
    expect(text).toContain('OU = partition 7');
    expect(text).toContain('Only CA Certificates');
    expect(text).toContain('Indirect CRL');
  });
});
