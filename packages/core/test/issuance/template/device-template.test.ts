import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSignatureAlgorithm } from '../../../src/crypto/algorithms.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import { lint } from '../../../src/policy/lint/lint.js';
import { DEVICE_SERIAL_PATTERN } from '../../../src/policy/naming.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../../../src/policy/oids.js';
import { DEVICE_PROFILE } from '../../../src/policy/profiles/device.js';
import { buildCertificateSync, buildTbsCertificate } from '../../../src/x509/certificate/builder.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { NO_EXPIRATION } from '../../../src/x509/der/time.js';
import * as der from '../../../src/x509/der/writer.js';
import { decodeSubjectAltName } from '../../../src/x509/extensions/alt-name.js';
import { OID } from '../../../src/x509/oids.js';
import {
  DeviceTemplate,
  P256_SPKI_PREFIX,
  type DeviceCertificateInput,
  type DeviceTemplateOptions,
} from '../../../src/issuance/template/index.js';
import { openssl, tempDir, writePem } from '../../x509/certificate/builder-helpers.js';
import { deviceArb, deterministicSigner, optionsArb } from './template-arbitraries.js';
import { deviceSpki, makeHierarchy } from './template-fixtures.js';

const hierarchy = makeHierarchy('P-256');
const p384 = makeHierarchy('P-384');
const longCa = makeHierarchy('P-256', new Date('2072-01-01T00:00:00Z'));

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof KeylineError ? error.code : `${(error as Error).name}: ${(error as Error).message}`;
  }
  return undefined;
}

const baseOptions = (overrides: Partial<DeviceTemplateOptions> = {}): DeviceTemplateOptions => ({
  issuer: hierarchy.ca,
  signer: hierarchy.caSigner,
  productId: 'sensor-x',
  ...overrides,
});

const device = (overrides: Partial<DeviceCertificateInput> = {}): DeviceCertificateInput => ({
  serial: Uint8Array.of(0x41, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
  chipSerial: Uint8Array.of(0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef),
  publicKey: deviceSpki(),
  notBefore: new Date('2025-01-01T00:00:00Z'),
  ...overrides,
});

describe('DeviceTemplate.issue', () => {
  it('issues a certificate that decodes strictly, verifies with the CA key and carries the device fields', () => {
    const template = DeviceTemplate.compile(
      baseOptions({ deviceUrn: { enterpriseNumber: 32473 }, keyAgreement: true }),
    );
    const input = device();
    const cert = Certificate.fromDer(template.issue(input));
    const caKey = createPublicKey({ key: Buffer.from(hierarchy.caSigner.publicKeySpki), format: 'der', type: 'spki' });
    expect(verify('sha256', cert.tbs, caKey, cert.signatureValue)).toBe(true);
    expect(cert.issuer.der).toEqual(hierarchy.ca.subject.der);
    expect(cert.subject.rdns.map((rdn) => [rdn[0]!.type, rdn[0]!.value])).toEqual([
      [KEYLINE_ATTRIBUTE.manufacturerId, 'acme'],
      [KEYLINE_ATTRIBUTE.productId, 'sensor-x'],
      [OID.serialNumber, '0123456789abcdef'],
      [OID.commonName, '0123456789abcdef'],
    ]);
    expect(cert.notAfter).toEqual(NO_EXPIRATION);
    expect(cert.spki).toEqual(input.publicKey);
    const san = decodeSubjectAltName(cert.extension(OID.subjectAltName)!.value);
    expect(san).toContainEqual({ type: 'uri', value: 'urn:dev:os:32473-0123456789abcdef' });
    const hmn = san.find((n) => n.type === 'otherName');
    expect(hmn?.type === 'otherName' && hmn.hardwareModuleName?.hwSerialNum).toEqual(input.chipSerial);
    expect(cert.extensions.map((e) => e.oid)).toEqual([
      OID.keyUsage,
      OID.subjectKeyIdentifier,
      OID.authorityKeyIdentifier,
      OID.subjectAltName,
      OID.certificatePolicies,
    ]);
  });

  it('splits into tbs() and sign() for issuance that lints or records the TBS first', () => {
    const template = DeviceTemplate.compile(baseOptions());
    const input = device();
    const tbs = template.tbs(input);
    const cert = Certificate.fromDer(template.sign(tbs));
    expect(cert.tbs).toEqual(tbs);
    const caKey = createPublicKey({ key: Buffer.from(hierarchy.caSigner.publicKeySpki), format: 'der', type: 'spki' });
    expect(verify('sha256', cert.tbs, caKey, cert.signatureValue)).toBe(true);
    // tbs() returns a copy: issuing another device does not change it.
    const copy = Uint8Array.from(tbs);
    template.issue(device({ chipSerial: new Uint8Array(32).fill(7) }));
    expect(tbs).toEqual(copy);
  });

  it('signs with ecdsa-with-SHA384 under a P-384 issuing CA', () => {
    const template = DeviceTemplate.compile({ issuer: p384.ca, signer: p384.caSigner, productId: 'gw' });
    const cert = Certificate.fromDer(template.issue(device()));
    expect(cert.signatureAlgorithm.oid).toBe(OID.ecdsaWithSha384);
    const caKey = createPublicKey({ key: Buffer.from(p384.caSigner.publicKeySpki), format: 'der', type: 'spki' });
    expect(verify('sha384', cert.tbs, caKey, cert.signatureValue)).toBe(true);
  });

  it('handles the longest fields (header lengths past 127 octets)', () => {
    const template = DeviceTemplate.compile(
      baseOptions({
        hardwareVersion: 'R'.repeat(32),
        deviceUrn: { enterpriseNumber: 2 ** 31 },
        productId: 'p'.repeat(32),
      }),
    );
    const signer = deterministicSigner(hierarchy.caSigner);
    const fast = DeviceTemplate.compile({
      ...template.spec,
      issuer: hierarchy.ca,
      signer,
      productId: 'p'.repeat(32),
      hardwareVersion: 'R'.repeat(32),
      deviceUrn: { enterpriseNumber: 2 ** 31 },
    });
    const input = device({
      serial: new Uint8Array(20).fill(0x7f),
      chipSerial: new Uint8Array(32).fill(0xff),
      serialNumber: 'S'.repeat(64),
      notAfter: new Date('2039-06-01T00:00:00Z'),
    });
    expect(fast.issue(input)).toEqual(buildCertificateSync(fast.fields(input), signer).der);
    expect(Certificate.fromDer(template.issue(input)).subject.der.length).toBeGreaterThan(255);
  });
});

describe('property: the template equals the general builder byte for byte', () => {
  it('on random options and thousands of random devices', () => {
    let devices = 0;
    fc.assert(
      fc.property(optionsArb, fc.array(deviceArb, { minLength: 20, maxLength: 20 }), (options, inputs) => {
        const signer = deterministicSigner(hierarchy.caSigner);
        const template = DeviceTemplate.compile({ ...options, issuer: hierarchy.ca, signer });
        // The same template with the generic layout only (every header computed per certificate).
        const generic = DeviceTemplate.compile({ ...options, issuer: hierarchy.ca, signer }, { specialisedLayouts: 0 });
        for (const input of inputs) {
          // Whole certificates: the TBS, the algorithm and the (deterministic) signature wrapping.
          const expected = buildCertificateSync(template.fields(input), signer).der;
          expect(template.issue(input)).toEqual(expected);
          expect(generic.issue(input)).toEqual(expected);
          devices++;
        }
      }),
      { numRuns: 150 },
    );
    expect(devices).toBe(3000);
  }, 120_000);

  it('refuses exactly the inputs the reference path refuses', () => {
    const template = DeviceTemplate.compile(baseOptions({ deviceUrn: { enterpriseNumber: 1 } }));
    const algorithm = encodeSignatureAlgorithm(hierarchy.caSigner.algorithm);
    const anyInput = fc.record({
      serial: fc
        .uint8Array({ minLength: 0, maxLength: 22 })
        .map((s) => (s.length > 3 && s[0]! % 3 === 0 ? Uint8Array.of(0, 0, ...s) : s)),
      chipSerial: fc.uint8Array({ minLength: 0, maxLength: 36 }),
      serialNumber: fc.option(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9 ?]{0,66}$/)), {
        nil: undefined,
      }),
      publicKey: fc.oneof(
        fc
          .uint8Array({ minLength: 64, maxLength: 66 })
          .map((p) => (p.length > 0 && p[0]! < 200 ? Uint8Array.of(4, ...p.subarray(1)) : p)),
        fc
          .uint8Array({ minLength: 65, maxLength: 65 })
          .map((p) => der.concat([P256_SPKI_PREFIX, Uint8Array.of(4), p.subarray(1)])),
        fc.uint8Array({ minLength: 91, maxLength: 91 }),
      ),
      notBefore: fc.oneof(
        fc.integer({ min: Date.UTC(1940, 0, 1), max: Date.UTC(2080, 0, 1) }).map((ms) => new Date(ms)),
        fc.constant(new Date(Number.NaN)),
        fc.constant(new Date(Date.UTC(10000, 0, 1))),
      ),
      notAfter: fc.option(
        fc.oneof(
          fc.integer({ min: Date.UTC(1940, 0, 1), max: Date.UTC(2080, 0, 1) }).map((ms) => new Date(ms)),
          fc.constant(NO_EXPIRATION),
          fc.constant(new Date(Date.UTC(10000, 0, 1))),
        ),
        { nil: undefined },
      ),
    });
    let accepted = 0;
    fc.assert(
      fc.property(anyInput, (input) => {
        const fast = codeOf(() => template.tbs(input));
        const reference = codeOf(() =>
          buildTbsCertificate({ ...template.fields(input), signatureAlgorithm: algorithm }),
        );
        expect(fast).toBe(reference);
        if (fast === undefined) {
          accepted++;
          expect(template.tbs(input)).toEqual(
            buildTbsCertificate({ ...template.fields(input), signatureAlgorithm: algorithm }),
          );
        } else {
          expect(fast).toBe('ERR_X509_BUILD_INVALID');
        }
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

describe('device refusals (ERR_X509_BUILD_INVALID)', () => {
  const template = DeviceTemplate.compile(baseOptions());
  const longTemplate = DeviceTemplate.compile({ issuer: longCa.ca, signer: longCa.caSigner, productId: 'sensor-x' });
  const cases: [string, Partial<DeviceCertificateInput>, DeviceTemplate?][] = [
    ['a serial of 8 significant octets (KECP 4.1)', { serial: Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8) }],
    ['a serial of 21 content octets', { serial: new Uint8Array(20).fill(0x80) }],
    ['a chip serial of 3 octets', { chipSerial: Uint8Array.of(1, 2, 3) }],
    ['a chip serial of 33 octets', { chipSerial: new Uint8Array(33) }],
    ['an empty serialNumber', { serialNumber: '' }],
    ['a serialNumber PrintableString cannot hold', { serialNumber: 'SN_001' }],
    ['a serialNumber of 65 characters', { serialNumber: 'A'.repeat(65) }],
    ['a compressed point', { publicKey: Uint8Array.of(0x02, ...new Uint8Array(32)) }],
    ['a P-384 SubjectPublicKeyInfo', { publicKey: new Uint8Array(p384.caSigner.publicKeySpki) }],
    [
      'notBefore after notAfter',
      { notBefore: new Date('2030-01-01T00:00:00Z'), notAfter: new Date('2029-01-01T00:00:00Z') },
    ],
    ["notBefore before the issuer's", { notBefore: new Date('2024-05-31T23:59:59Z') }],
    ["notAfter after the issuer's", { notAfter: new Date('2039-06-01T00:00:01Z') }],
    [
      'validity longer than 25 years (KECP 4.4)',
      { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2050-01-01T00:00:01Z') },
      longTemplate,
    ],
  ];
  for (const [name, overrides, t] of cases) {
    it(`refuses ${name}`, () => {
      expect(codeOf(() => (t ?? template).issue(device(overrides)))).toBe('ERR_X509_BUILD_INVALID');
      const reference = (t ?? template).spec;
      const algorithm = encodeSignatureAlgorithm(reference.signer.algorithm);
      const viaBuilder = () =>
        buildTbsCertificate({ ...(t ?? template).fields(device(overrides)), signatureAlgorithm: algorithm });
      expect(codeOf(viaBuilder)).toBe('ERR_X509_BUILD_INVALID');
    });
  }

  it('accepts exactly 25 years, and more with the no-expiration value', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    expect(
      codeOf(() => longTemplate.issue(device({ notBefore: from, notAfter: new Date('2050-01-01T00:00:00Z') }))),
    ).toBe(undefined);
    expect(Certificate.fromDer(longTemplate.issue(device({ notBefore: from }))).notAfter).toEqual(NO_EXPIRATION);
  });
});

describe('DeviceTemplate.compile refusals', () => {
  it('refuses a signer whose key is not the issuer certificate key', () => {
    expect(codeOf(() => DeviceTemplate.compile(baseOptions({ signer: p384.caSigner })))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses a manufacturer id other than the issuer one, and a missing or malformed product id', () => {
    expect(codeOf(() => DeviceTemplate.compile(baseOptions({ manufacturerId: 'other' })))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => DeviceTemplate.compile({ issuer: hierarchy.ca, signer: hierarchy.caSigner }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => DeviceTemplate.compile(baseOptions({ productId: 'Sensor_X' })))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses an issuer without a manufacturer id when none is given', () => {
    const options = { issuer: hierarchy.root, signer: hierarchy.rootSigner, productId: 'x' };
    expect(codeOf(() => DeviceTemplate.compile(options))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses a subjectAltName without a device identifier, and purposes KECP 5.4 does not allow', () => {
    expect(codeOf(() => DeviceTemplate.compile(baseOptions({ hardwareModuleName: false })))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
    expect(codeOf(() => DeviceTemplate.compile(baseOptions({ extKeyUsage: [OID.codeSigning] })))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });

  it('refuses signature algorithms KECP 4.2 does not allow and signers without a synchronous path', () => {
    const ed = { ...hierarchy.caSigner, algorithm: 'ed25519' as const };
    expect(codeOf(() => DeviceTemplate.compile(baseOptions({ signer: ed })))).toBe('ERR_X509_BUILD_INVALID');
    const asyncOnly = {
      algorithm: hierarchy.caSigner.algorithm,
      publicKeySpki: hierarchy.caSigner.publicKeySpki,
      sign: hierarchy.caSigner.sign,
    };
    expect(() => DeviceTemplate.compile(baseOptions({ signer: asyncOnly }))).toThrow(TypeError);
  });
});

describe('the policy linter accepts what the template issues (KECP 5.4)', () => {
  it('has no error findings on random options and devices, with the issuer known', () => {
    fc.assert(
      fc.property(optionsArb, fc.array(deviceArb, { minLength: 5, maxLength: 5 }), (options, inputs) => {
        const template = DeviceTemplate.compile({ ...options, issuer: hierarchy.ca, signer: hierarchy.caSigner });
        for (const input of inputs) {
          const cert = Certificate.fromDer(template.issue(input));
          const errors = lint(cert, DEVICE_PROFILE, { issuer: hierarchy.ca }).filter((f) => f.severity === 'error');
          expect(errors).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('asserts the device identity policy', () => {
    const cert = Certificate.fromDer(DeviceTemplate.compile(baseOptions()).issue(device()));
    const value = cert.extension(OID.certificatePolicies)!.value;
    expect(value).toEqual(der.seq(der.seq(der.oid(KEYLINE_POLICY.deviceIdentityV1))));
  });
});

describe('OpenSSL reads and verifies template output against the issuing chain', () => {
  it('accepts devices from a full-option P-256 CA template and a minimal P-384 one under -x509_strict', () => {
    const dir = tempDir();
    const rootPem = writePem(dir, 'root.pem', hierarchy.root.toPem());
    const caPem = writePem(dir, 'ca.pem', hierarchy.ca.toPem());
    const root384Pem = writePem(dir, 'root384.pem', p384.root.toPem());
    const ca384Pem = writePem(dir, 'ca384.pem', p384.ca.toPem());
    const full = DeviceTemplate.compile(
      baseOptions({
        keyAgreement: true,
        deviceUrn: { enterpriseNumber: 32473 },
        basicConstraints: true,
        extKeyUsage: [OID.clientAuth],
        hardwareVersion: 'rev-B.2',
        crlDistributionPoints: ['http://crl.example.com/acme-1.crl'],
        ocspUrl: 'http://ocsp.example.com',
        caIssuersUrl: 'http://pki.example.com/acme-1.crt',
      }),
    );
    const minimal = DeviceTemplate.compile({
      issuer: p384.ca,
      signer: p384.caSigner,
      productId: 'gw',
      subjectKeyIdentifier: false,
    });
    const runs: [DeviceTemplate, string, string][] = [
      [full, rootPem, caPem],
      [minimal, root384Pem, ca384Pem],
    ];
    for (const [template, root, ca] of runs) {
      for (const [i, input] of [
        device(),
        device({ notAfter: new Date('2030-01-01T00:00:00Z'), serialNumber: 'SN 0042' }),
      ].entries()) {
        const leaf = writePem(dir, `leaf-${i}.pem`, Certificate.fromDer(template.issue(input)).toPem());
        const text = openssl(['x509', '-noout', '-text', '-in', leaf]);
        expect(text.status, text.out).toBe(0);
        expect(text.out).toContain('CN = 0123456789abcdef');
        const ok = openssl([
          'verify',
          '-x509_strict',
          '-attime',
          '1767225600',
          '-CAfile',
          root,
          '-untrusted',
          ca,
          leaf,
        ]);
        expect(ok.out).toContain(': OK');
        expect(ok.status).toBe(0);
      }
    }
    const text = openssl([
      'x509',
      '-noout',
      '-text',
      '-in',
      writePem(dir, 'full.pem', Certificate.fromDer(full.issue(device())).toPem()),
    ]).out;
    expect(text).toContain('URI:urn:dev:os:32473-0123456789abcdef');
    expect(text).toContain('Digital Signature, Key Agreement');
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).toContain('Not After : Dec 31 23:59:59 9999 GMT');
  });
});

describe('naming (KECP 6.1)', () => {
  it('uses the device id as serialNumber by default, which the policy pattern accepts', () => {
    const cert = Certificate.fromDer(DeviceTemplate.compile(baseOptions()).issue(device()));
    const serialNumber = cert.subject.rdns[2]![0]!;
    expect(serialNumber.tag).toBe(0x13);
    expect(DEVICE_SERIAL_PATTERN.test(serialNumber.value)).toBe(true);
  });
});
