import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeSignatureAlgorithm } from '../../../src/crypto/algorithms.js';
import { generateSigner } from '../../../src/crypto/signer.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import {
  assembleCertificate,
  buildCertificate,
  buildCertificateSync,
  buildTbsCertificate,
  selfSign,
  selfSignSync,
  type CertificateFields,
} from '../../../src/x509/certificate/builder.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { NO_EXPIRATION } from '../../../src/x509/der/time.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { caExtensions, cnName, ext, openssl, tempDir, writePem } from './builder-helpers.js';

const issuerSigner = generateSigner('P-256');
const leafSpki = new Uint8Array(
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
);

function fields(overrides: Partial<CertificateFields> = {}): CertificateFields {
  return {
    serial: Uint8Array.of(0x01, 0x02, 0x03),
    issuer: cnName('Issuer'),
    subject: cnName('Subject'),
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2026-01-01T00:00:00Z'),
    spki: leafSpki,
    extensions: [ext(OID.basicConstraints, true, der.seq()), ext(OID.keyUsage, true, der.namedBits([0]))],
    ...overrides,
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof KeylineError ? error.code : `not a KeylineError: ${String(error)}`;
  }
  return undefined;
}

const tbsOf = (overrides: Partial<CertificateFields> = {}) =>
  buildTbsCertificate({ ...fields(overrides), signatureAlgorithm: encodeSignatureAlgorithm(issuerSigner.algorithm) });

describe('buildCertificate', () => {
  it('round-trips every field through the strict decoder and signs the exact TBS', async () => {
    const f = fields();
    const cert = await buildCertificate(f, issuerSigner);
    expect(cert.version).toBe(3);
    expect(Buffer.from(cert.serialNumber).toString('hex')).toBe('010203');
    expect(cert.issuer.der).toEqual(f.issuer);
    expect(cert.subject.der).toEqual(f.subject);
    expect(cert.notBefore).toEqual(f.notBefore);
    expect(cert.notAfter).toEqual(f.notAfter);
    expect(cert.spki).toEqual(f.spki);
    expect(cert.signatureAlgorithm.oid).toBe(OID.ecdsaWithSha256);
    expect(cert.signatureAlgorithm.parameters).toBeUndefined();
    expect(cert.extensions.map((e) => [e.oid, e.critical])).toEqual([
      [OID.basicConstraints, true],
      [OID.keyUsage, true],
    ]);
    const publicKey = createPublicKey({ key: Buffer.from(issuerSigner.publicKeySpki), format: 'der', type: 'spki' });
    expect(verify('sha256', cert.tbs, publicKey, cert.signatureValue)).toBe(true);
    expect(cert.tbs).toEqual(tbsOf());
  });

  it('keeps the extension order given and omits critical=FALSE (DER default, X.690 11.5)', () => {
    const extensions = [
      ext(OID.subjectKeyIdentifier, false, der.octets(Uint8Array.of(1, 2, 3))),
      ext(OID.basicConstraints, true, der.seq()),
      ext('1.3.6.1.4.1.99999.1', false, der.nul()),
    ];
    const cert = buildCertificateSync(fields({ extensions }), issuerSigner);
    expect(cert.extensions.map((e) => e.oid)).toEqual(extensions.map((e) => e.oid));
    const skiExtension = der.seq(der.oid(OID.subjectKeyIdentifier), der.octets(der.octets(Uint8Array.of(1, 2, 3))));
    expect(Buffer.from(cert.tbs).includes(Buffer.from(skiExtension))).toBe(true);
  });

  it('makes a v1 certificate (version omitted) when there are no extensions (RFC 5280 4.1.2.1)', () => {
    const cert = buildCertificateSync(fields({ extensions: [] }), issuerSigner);
    expect(cert.version).toBe(1);
    expect(cert.extensions).toEqual([]);
    // After the TBS header comes the serial INTEGER directly.
    expect(cert.tbs[cert.tbs[1]! & 0x80 ? 2 + (cert.tbs[1]! & 0x7f) : 2]).toBe(0x02);
  });

  it('signs with P-384 and Ed25519 signers, naming their algorithms', () => {
    const p384 = buildCertificateSync(fields(), generateSigner('P-384'));
    expect(p384.signatureAlgorithm.oid).toBe(OID.ecdsaWithSha384);
    const ed = buildCertificateSync(fields(), generateSigner('ed25519'));
    expect(ed.signatureAlgorithm.oid).toBe(OID.ed25519);
    expect(ed.signatureValue.length).toBe(64);
  });

  it('refuses the sync path for a signer without one', () => {
    const asyncOnly = { ...issuerSigner, signSync: undefined };
    expect(() => buildCertificateSync(fields(), asyncOnly)).toThrow(TypeError);
  });
});

describe('validity encoding (RFC 5280 4.1.2.5)', () => {
  const timeTags = (cert: Certificate): number[] => {
    const text = Buffer.from(cert.tbs).toString('latin1');
    const from = text.indexOf('\x30\x1e'); // Validity of two UTCTimes
    return from < 0 ? [] : [cert.tbs[from + 2]!, cert.tbs[from + 17]!];
  };

  it('uses UTCTime through 2049 and GeneralizedTime from 2050', () => {
    const cert = buildCertificateSync(
      fields({ notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2050-01-01T00:00:00Z') }),
      issuerSigner,
    );
    const tbs = Buffer.from(cert.tbs);
    expect(tbs.includes(Buffer.from('\x17\x0d491231235959Z', 'latin1'))).toBe(true);
    expect(tbs.includes(Buffer.from('\x18\x0f20500101000000Z', 'latin1'))).toBe(true);
    expect(cert.notAfter).toEqual(new Date('2050-01-01T00:00:00Z'));
  });

  it('writes 99991231235959Z for the 802.1AR no-expiration value', () => {
    const cert = buildCertificateSync(fields({ notAfter: NO_EXPIRATION }), issuerSigner);
    expect(Buffer.from(cert.tbs).includes(Buffer.from('\x18\x0f99991231235959Z', 'latin1'))).toBe(true);
    expect(cert.notAfter).toEqual(NO_EXPIRATION);
  });

  it('uses two UTCTimes for ordinary dates and drops sub-second parts', () => {
    const cert = buildCertificateSync(fields({ notBefore: new Date('2025-03-04T05:06:07.890Z') }), issuerSigner);
    expect(timeTags(cert)).toEqual([0x17, 0x17]);
    expect(cert.notBefore).toEqual(new Date('2025-03-04T05:06:07Z'));
  });

  it('accepts notBefore equal to notAfter and refuses notBefore after notAfter', () => {
    const t = new Date('2030-01-01T00:00:00Z');
    expect(buildCertificateSync(fields({ notBefore: t, notAfter: t }), issuerSigner).notAfter).toEqual(t);
    expect(codeOf(() => tbsOf({ notBefore: new Date('2030-01-01T00:00:01Z'), notAfter: t }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });

  it('refuses invalid dates and years past 9999', () => {
    expect(codeOf(() => tbsOf({ notBefore: new Date(Number.NaN) }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => tbsOf({ notAfter: new Date(Date.UTC(10000, 0, 1)) }))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('serial number (RFC 5280 4.1.2.2)', () => {
  it('drops leading zero octets and adds a sign octet when the top bit is set', () => {
    const a = buildCertificateSync(fields({ serial: Uint8Array.of(0, 0, 0x7f, 1) }), issuerSigner);
    expect(a.serialHex).toBe('7f01');
    const b = buildCertificateSync(fields({ serial: Uint8Array.of(0x80, 1) }), issuerSigner);
    expect(b.serialHex).toBe('8001');
    expect(Buffer.from(b.tbs).includes(Buffer.from([0x02, 0x03, 0x00, 0x80, 0x01]))).toBe(true);
  });

  it('accepts 20 content octets and refuses 21', () => {
    const twenty = new Uint8Array(20).fill(0x7f);
    expect(buildCertificateSync(fields({ serial: twenty }), issuerSigner).serialNumber).toEqual(twenty);
    // 20 magnitude octets with the top bit set need a 21st (sign) octet.
    expect(codeOf(() => tbsOf({ serial: new Uint8Array(20).fill(0x80) }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => tbsOf({ serial: new Uint8Array(21).fill(1) }))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses zero and empty serials', () => {
    expect(codeOf(() => tbsOf({ serial: new Uint8Array(0) }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => tbsOf({ serial: new Uint8Array(4) }))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('refusals', () => {
  it('refuses a duplicated extension', () => {
    const extensions = [ext(OID.keyUsage, true, der.namedBits([0])), ext(OID.keyUsage, false, der.namedBits([4]))];
    expect(codeOf(() => tbsOf({ extensions }))).toBe('ERR_X509_BUILD_INVALID');
  });

  it('refuses names, keys and extension values that are not one DER element', () => {
    const name = cnName('x');
    expect(codeOf(() => tbsOf({ issuer: Uint8Array.of(...name, 0) }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => tbsOf({ subject: name.subarray(0, name.length - 1) }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => tbsOf({ spki: der.octets(Uint8Array.of(1)) }))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => tbsOf({ extensions: [ext(OID.keyUsage, true, Uint8Array.of(0x03, 0x81, 0x01, 0x00))] }))).toBe(
      'ERR_X509_BUILD_INVALID',
    );
  });

  it('refuses a malformed extension OID', () => {
    for (const oid of ['2.5.29.x', '1.45.1', '3.1', '1']) {
      expect(
        codeOf(() => tbsOf({ extensions: [ext(oid, false, der.nul())] })),
        oid,
      ).toBe('ERR_X509_BUILD_INVALID');
    }
  });

  it('assembles certificates the strict decoder reads, and refuses differing inner and outer algorithms', () => {
    const tbs = tbsOf();
    expect(
      Certificate.fromDer(assembleCertificate(tbs, encodeSignatureAlgorithm(issuerSigner.algorithm), new Uint8Array(8)))
        .tbs,
    ).toEqual(tbs);
    const mismatched = assembleCertificate(tbs, encodeSignatureAlgorithm('ed25519'), new Uint8Array(64));
    expect(codeOf(() => Certificate.fromDer(mismatched))).toBe('ERR_X509_ALGORITHM_MISMATCH');
  });
});

describe('selfSign', () => {
  it('makes issuer = subject with the signer key, verifiable with that key', async () => {
    const root = generateSigner('P-384');
    const cert = await selfSign(
      {
        serial: Uint8Array.of(9),
        subject: cnName('Root'),
        notBefore: new Date('2025-01-01T00:00:00Z'),
        notAfter: new Date('2045-01-01T00:00:00Z'),
        extensions: caExtensions(root.publicKeySpki, root.publicKeySpki),
      },
      root,
    );
    expect(cert.isSelfIssuedByBytes).toBe(true);
    expect(cert.spki).toEqual(new Uint8Array(root.publicKeySpki));
    const key = createPublicKey({ key: Buffer.from(root.publicKeySpki), format: 'der', type: 'spki' });
    expect(verify('sha384', cert.tbs, key, cert.signatureValue)).toBe(true);
  });
});

describe('property: random fields round-trip', () => {
  const date = fc.integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(9999, 11, 31, 23, 59, 59) / 1000 });
  it('decodes back to the same fields', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 20 }).filter((s) => s.some((b) => b !== 0) && s[0]! < 0x80),
        fc.string({ minLength: 1, maxLength: 64 }),
        date,
        date,
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        (serial, cn, t1, t2, arcs, criticals) => {
          const [from, to] = t1 <= t2 ? [t1, t2] : [t2, t1];
          const extensions = arcs.map((arc, i) => ext(`1.3.6.1.4.1.99999.${arc}`, criticals[i]!, der.utf8(cn)));
          const f = fields({
            serial,
            subject: cnName(cn),
            notBefore: new Date(from * 1000),
            notAfter: new Date(to * 1000),
            extensions,
          });
          const cert = Certificate.fromDer(
            assembleCertificate(tbsOf(f), encodeSignatureAlgorithm(issuerSigner.algorithm), new Uint8Array(8)),
          );
          const trimmed = serial.subarray(serial.findIndex((b) => b !== 0));
          expect(cert.serialNumber).toEqual(trimmed);
          expect(cert.subject.rdns[0]![0]!.value).toBe(cn);
          expect(cert.notBefore.getTime()).toBe(from * 1000);
          expect(cert.notAfter.getTime()).toBe(to * 1000);
          expect(cert.version).toBe(extensions.length > 0 ? 3 : 1);
          expect(cert.extensions).toEqual(extensions);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('OpenSSL reads and verifies what the builder makes', () => {
  it('accepts a root → CA → leaf chain under -x509_strict and refuses a leaf signed by another key', () => {
    const rootKey = generateSigner('P-384');
    const caKey = generateSigner('P-256');
    const leafKey = generateSigner('P-256');
    const notBefore = new Date('2024-01-01T00:00:00Z');
    const root = selfSignSync(
      {
        serial: Uint8Array.of(1),
        subject: cnName('Builder Test Root'),
        notBefore,
        notAfter: new Date('2054-01-01T00:00:00Z'),
        extensions: caExtensions(rootKey.publicKeySpki, rootKey.publicKeySpki),
      },
      rootKey,
    );
    const ca = buildCertificateSync(
      {
        serial: Uint8Array.of(0x81, 0x02),
        issuer: root.subject.der,
        subject: cnName('Builder Test CA'),
        notBefore,
        notAfter: new Date('2044-01-01T00:00:00Z'),
        spki: caKey.publicKeySpki,
        extensions: caExtensions(caKey.publicKeySpki, rootKey.publicKeySpki, 0),
      },
      rootKey,
    );
    const leafFields: CertificateFields = {
      serial: new Uint8Array(16).fill(0x5a),
      issuer: ca.subject.der,
      subject: cnName('device-0001'),
      notBefore,
      notAfter: NO_EXPIRATION,
      spki: leafKey.publicKeySpki,
      extensions: [
        ext(OID.keyUsage, true, der.namedBits([0])),
        ext(OID.subjectKeyIdentifier, false, caExtensions(leafKey.publicKeySpki, caKey.publicKeySpki)[2]!.value),
        ext(OID.authorityKeyIdentifier, false, caExtensions(caKey.publicKeySpki, caKey.publicKeySpki)[3]!.value),
      ],
    };
    const leaf = buildCertificateSync(leafFields, caKey);
    const forged = buildCertificateSync(leafFields, generateSigner('P-256'));

    const dir = tempDir();
    const rootPem = writePem(dir, 'root.pem', root.toPem());
    const caPem = writePem(dir, 'ca.pem', ca.toPem());
    const leafPem = writePem(dir, 'leaf.pem', leaf.toPem());
    const forgedPem = writePem(dir, 'forged.pem', forged.toPem());
    for (const path of [rootPem, caPem, leafPem]) {
      const text = openssl(['x509', '-noout', '-text', '-in', path]);
      expect(text.status, text.out).toBe(0);
    }
    const leafText = openssl(['x509', '-noout', '-text', '-in', leafPem]).out;
    expect(leafText).toContain('Not After : Dec 31 23:59:59 9999 GMT');
    expect(leafText).toContain('Serial Number:');
    const ok = openssl([
      'verify',
      '-x509_strict',
      '-attime',
      '1735689600',
      '-CAfile',
      rootPem,
      '-untrusted',
      caPem,
      leafPem,
    ]);
    expect(ok.out).toContain(': OK');
    expect(ok.status).toBe(0);
    const bad = openssl(['verify', '-attime', '1735689600', '-CAfile', rootPem, '-untrusted', caPem, forgedPem]);
    expect(bad.status).not.toBe(0);
    expect(bad.out).toMatch(/signature failure/i);
  });
});
