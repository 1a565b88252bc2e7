import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { buildCrl } from '../../../src/x509/crl/build.js';
import { CertificateRevocationList } from '../../../src/x509/crl/certificate-revocation-list.js';
import type { RevokedEntry } from '../../../src/x509/crl/revoked-entry.js';
import { Tag, contextPrimitive } from '../../../src/x509/der/tags.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { codeOf } from '../../crypto/openssl.js';

/** Hand-assembles a CertificateList so that each defect can be made on its own. Signatures are dummies. */
interface Parts {
  version?: Uint8Array | null;
  inner?: Uint8Array;
  outer?: Uint8Array;
  issuer?: Uint8Array;
  thisUpdate?: Uint8Array;
  nextUpdate?: Uint8Array | null;
  revoked?: Uint8Array[] | null;
  extensions?: Uint8Array[] | null;
}

const ECDSA = der.seq(der.oid(OID.ecdsaWithSha256));
const ISSUER = der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8('CA'))));
const T = der.utcTime(new Date('2025-06-01T00:00:00Z'));
const N = der.utcTime(new Date('2025-06-08T00:00:00Z'));

function crl(p: Parts = {}): Uint8Array {
  const tbs: Uint8Array[] = [];
  if (p.version !== null) tbs.push(p.version ?? der.int(1));
  tbs.push(p.inner ?? ECDSA, p.issuer ?? ISSUER, p.thisUpdate ?? T);
  if (p.nextUpdate !== null) tbs.push(p.nextUpdate ?? N);
  const revoked = p.revoked === undefined ? [entry('01')] : p.revoked;
  if (revoked !== null) tbs.push(der.tlv(Tag.SEQUENCE, der.concat(revoked)));
  const exts = p.extensions === undefined ? [ext(OID.cRLNumber, der.int(1))] : p.extensions;
  if (exts !== null) tbs.push(der.explicit(0, der.tlv(Tag.SEQUENCE, der.concat(exts))));
  return der.seq(der.seq(...tbs), p.outer ?? ECDSA, der.bits(Uint8Array.of(1, 2, 3)));
}

function ext(oid: string, value: Uint8Array, critical = false): Uint8Array {
  return critical ? der.seq(der.oid(oid), der.bool(true), der.octets(value)) : der.seq(der.oid(oid), der.octets(value));
}

function entry(serialHex: string, ...extensions: Uint8Array[]): Uint8Array {
  const serial = der.tlv(Tag.INTEGER, Buffer.from(serialHex, 'hex'));
  return extensions.length === 0 ? der.seq(serial, T) : der.seq(serial, T, der.seq(...extensions));
}

const reason = (code: number): Uint8Array => ext(OID.cRLReason, der.int(code, Tag.ENUMERATED));
const parse = (bytes: Uint8Array) => () => CertificateRevocationList.fromDer(bytes);

describe('CertificateRevocationList refuses malformed CRLs with codes', () => {
  it('accepts the baseline and a v1 CRL without extensions', () => {
    expect(codeOf(parse(crl()))).toBe('no error');
    const v1 = CertificateRevocationList.fromDer(crl({ version: null, extensions: null }));
    expect(v1.version).toBe(1);
    expect(v1.isRevoked('01')).toBeDefined();
  });

  it('refuses versions other than absent or v2', () => {
    expect(codeOf(parse(crl({ version: der.int(2) })))).toBe('ERR_CRL_BAD_VERSION');
    expect(codeOf(parse(crl({ version: der.int(0) })))).toBe('ERR_CRL_BAD_VERSION');
    expect(codeOf(parse(crl({ version: der.int(-1) })))).toBe('ERR_CRL_BAD_VERSION');
  });

  it('refuses extensions in a v1 CRL, at CRL and at entry level', () => {
    expect(codeOf(parse(crl({ version: null })))).toBe('ERR_CRL_EXTENSIONS_IN_V1');
    expect(codeOf(parse(crl({ version: null, extensions: null, revoked: [entry('01', reason(1))] })))).toBe(
      'ERR_CRL_EXTENSIONS_IN_V1',
    );
  });

  it('refuses inner and outer signature algorithms that differ', () => {
    expect(codeOf(parse(crl({ outer: der.seq(der.oid(OID.ecdsaWithSha384)) })))).toBe('ERR_X509_ALGORITHM_MISMATCH');
    // Same OID, different parameters encoding is a mismatch too (compared byte for byte).
    expect(codeOf(parse(crl({ outer: der.seq(der.oid(OID.ecdsaWithSha256), der.nul()) })))).toBe(
      'ERR_X509_ALGORITHM_MISMATCH',
    );
  });

  it('refuses reason code 7 and values beyond the enumeration', () => {
    expect(codeOf(parse(crl({ revoked: [entry('01', reason(7))] })))).toBe('ERR_CRL_BAD_REASON');
    expect(codeOf(parse(crl({ revoked: [entry('01', reason(11))] })))).toBe('ERR_CRL_BAD_REASON');
    expect(codeOf(parse(crl({ revoked: [entry('01', reason(-1))] })))).toBe('ERR_CRL_BAD_REASON');
    expect(codeOf(parse(crl({ revoked: [entry('01', ext(OID.cRLReason, der.int(1)))] })))).toBe(
      'ERR_X509_BAD_EXTENSION',
    );
    expect(codeOf(parse(crl({ revoked: [entry('01', ext(OID.cRLReason, Uint8Array.of(0x0a, 0x02, 0, 1)))] })))).toBe(
      'ERR_DER_NON_MINIMAL_INTEGER',
    );
    const all = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10].map((code, i) =>
      entry((i + 1).toString(16).padStart(2, '0'), reason(code)),
    );
    const parsed = CertificateRevocationList.fromDer(crl({ revoked: all }));
    expect(parsed.revoked.map((e) => e.reason)).toEqual([
      'unspecified',
      'keyCompromise',
      'cACompromise',
      'affiliationChanged',
      'superseded',
      'cessationOfOperation',
      'certificateHold',
      'removeFromCRL',
      'privilegeWithdrawn',
      'aACompromise',
    ]);
  });

  it('refuses an empty revokedCertificates, an empty issuer, negative serials', () => {
    expect(codeOf(parse(crl({ revoked: [] })))).toBe('ERR_X509_BAD_CRL');
    expect(codeOf(parse(crl({ issuer: der.seq() })))).toBe('ERR_X509_BAD_CRL');
    expect(codeOf(parse(crl({ revoked: [entry('ff')] })))).toBe('ERR_X509_BAD_SERIAL');
    expect(codeOf(parse(crl({ revoked: [entry('00ff')] })))).toBe('no error');
    expect(codeOf(parse(crl({ revoked: [entry('0001')] })))).toBe('ERR_DER_NON_MINIMAL_INTEGER');
    expect(codeOf(parse(crl({ revoked: [entry('01'.repeat(33))] })))).toBe('ERR_X509_BAD_SERIAL');
  });

  it('refuses malformed CRL extensions', () => {
    const number = (value: Uint8Array) => crl({ extensions: [ext(OID.cRLNumber, value)] });
    expect(codeOf(parse(number(der.int(-5))))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(parse(number(der.int(1n << 160n))))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(parse(number(der.octets(Uint8Array.of(1)))))).toBe('ERR_X509_BAD_EXTENSION');
    expect(CertificateRevocationList.fromDer(number(der.int((1n << 159n) - 1n))).crlNumber).toBe((1n << 159n) - 1n);
    expect(codeOf(parse(crl({ extensions: [ext(OID.cRLNumber, der.int(1)), ext(OID.cRLNumber, der.int(2))] })))).toBe(
      'ERR_X509_DUPLICATE_EXTENSION',
    );
    expect(codeOf(parse(crl({ extensions: [] })))).toBe('ERR_X509_EMPTY_EXTENSIONS');
    const falseCritical = der.seq(der.oid(OID.cRLNumber), der.bool(false), der.octets(der.int(1)));
    expect(codeOf(parse(crl({ extensions: [falseCritical] })))).toBe('ERR_X509_BAD_EXTENSION');
  });

  it('refuses malformed issuingDistributionPoint values', () => {
    const idp = (...fields: Uint8Array[]) =>
      parse(crl({ extensions: [ext(OID.issuingDistributionPoint, der.seq(...fields), true)] }));
    const yes = (n: number) => der.tlv(contextPrimitive(n), Uint8Array.of(0xff));
    expect(codeOf(idp(yes(1)))).toBe('no error');
    expect(codeOf(idp())).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(idp(der.tlv(contextPrimitive(1), Uint8Array.of(0))))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(idp(der.tlv(contextPrimitive(1), Uint8Array.of(1))))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(idp(yes(1), yes(2)))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(idp(yes(2), yes(5)))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(idp(yes(4), yes(1)))).toBe('ERR_X509_BAD_EXTENSION'); // fields out of order
    // onlySomeReasons with a trailing zero bit (keyCompromise + a zero bit 2): not DER.
    expect(codeOf(idp(der.tlv(contextPrimitive(3), Uint8Array.of(5, 0x40))))).toBe('ERR_X509_BAD_EXTENSION');
    expect(codeOf(idp(der.tlv(contextPrimitive(3), Uint8Array.of(6, 0x40))))).toBe('no error');
    const rdn = der.explicit(0, der.tlv(0xa1, der.seq(der.oid(OID.commonName), der.utf8('part'))));
    const parsed = CertificateRevocationList.fromDer(
      crl({ extensions: [ext(OID.issuingDistributionPoint, der.seq(rdn, yes(4)), true)] }),
    );
    expect(parsed.issuingDistributionPoint?.indirectCRL).toBe(true);
    expect(parsed.issuingDistributionPoint?.distributionPoint).toEqual({
      nameRelativeToCRLIssuer: der.setOf(der.seq(der.oid(OID.commonName), der.utf8('part'))),
    });
  });

  it('refuses bad times, truncation and trailing bytes', async () => {
    expect(codeOf(parse(crl({ thisUpdate: der.tlv(Tag.UTC_TIME, Buffer.from('2506010000Z')) })))).toBe(
      'ERR_DER_BAD_TIME',
    );
    expect(codeOf(parse(crl({ thisUpdate: der.int(1) })))).toBe('ERR_DER_UNEXPECTED_TAG');
    const good = await buildCrl({
      issuer: ISSUER,
      thisUpdate: new Date('2025-06-01T00:00:00Z'),
      nextUpdate: new Date('2025-06-02T00:00:00Z'),
      crlNumber: 3n,
      entries: [{ serial: '01', revocationDate: new Date('2025-05-01T00:00:00Z'), reason: 'superseded' }],
      signer: generateSigner(),
    });
    expect(codeOf(parse(good))).toBe('no error');
    expect(codeOf(parse(Uint8Array.from([...good, 0])))).toBe('ERR_DER_TRAILING_BYTES');
    for (let cut = 0; cut < good.length; cut += 7) expect(codeOf(parse(good.subarray(0, cut)))).toMatch(/^ERR_DER_/);
  });

  it('flags unhandled critical extensions but keeps non-critical unknown ones quiet', () => {
    const unknownCritical = ext('1.2.3.4', der.nul(), true);
    const unknown = ext('1.2.3.5', der.nul());
    const parsed = CertificateRevocationList.fromDer(
      crl({ extensions: [ext(OID.cRLNumber, der.int(1)), unknown], revoked: [entry('01', unknownCritical)] }),
    );
    expect(parsed.unhandledCriticalExtensions).toEqual(['1.2.3.4']);
    const quiet = CertificateRevocationList.fromDer(crl({ extensions: [unknown] }));
    expect(quiet.unhandledCriticalExtensions).toEqual([]);
  });

  it('accepts an invalidityDate with fractional seconds', () => {
    const when = der.tlv(Tag.GENERALIZED_TIME, Buffer.from('20250101120000.25Z'));
    const parsed = CertificateRevocationList.fromDer(crl({ revoked: [entry('01', ext(OID.invalidityDate, when))] }));
    expect(parsed.isRevoked('01')?.invalidityDate?.toISOString()).toBe('2025-01-01T12:00:00.250Z');
  });

  it('applies certificateIssuer inheritance in indirect CRLs and finds every entry of a serial', () => {
    const issuer = (cn: string) =>
      ext(
        OID.certificateIssuer,
        der.seq(der.explicit(4, der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8(cn)))))),
        true,
      );
    const parsed = CertificateRevocationList.fromDer(
      crl({ revoked: [entry('01'), entry('02', issuer('Other CA')), entry('03'), entry('01', issuer('Third CA'))] }),
    );
    const cn = (e: RevokedEntry): string[] | undefined =>
      e.certificateIssuer?.map((gn) => (gn.type === 'directoryName' ? gn.value.rdns[0]![0]!.value : gn.type));
    expect(cn(parsed.entryAt(0))).toBeUndefined();
    expect(cn(parsed.entryAt(1))).toEqual(['Other CA']);
    expect(cn(parsed.entryAt(2))).toEqual(['Other CA']);
    expect(cn(parsed.entryAt(3))).toEqual(['Third CA']);
    expect(parsed.findRevoked('01').map(cn)).toEqual([undefined, ['Third CA']]);
    expect(parsed.isRevoked('01')).toEqual(parsed.entryAt(0));
    expect(parsed.unhandledCriticalExtensions).toEqual([]);
    expect(() => parsed.entryAt(4)).toThrow(RangeError);
  });

  it('treats bad lookup keys as caller misuse', () => {
    const parsed = CertificateRevocationList.fromDer(crl());
    expect(() => parsed.isRevoked('xyz')).toThrow(TypeError);
    expect(() => parsed.isRevoked(-1n)).toThrow(TypeError);
    expect(parsed.isRevoked('0x0001')?.serialHex).toBe('01');
    expect(parsed.isRevoked(Uint8Array.of(0, 1))?.serialHex).toBe('01');
  });
});
