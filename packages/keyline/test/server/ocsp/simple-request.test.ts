import { buildOcspRequest, certIdFor, generateSigner } from '@keyline/core';
import { describe, expect, it } from 'vitest';
import { simpleRequestCertId } from '../../../src/server/ocsp/simple-request.js';

const issuerKey = generateSigner('P-256');
const issuerName = Uint8Array.from([
  0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 0x43, 0x41,
]);
const publicKey = new Uint8Array(issuerKey.publicKeySpki.subarray(-65));
const certId = certIdFor(issuerName, publicKey, '0a1b2c3d4e5f');
const other = certIdFor(issuerName, publicKey, '0a1b2c3d4e60');

/** DER TLV with a definite length in the shortest form. */
function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([tag, ...length, ...content]);
}
const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, Buffer.concat(parts));

describe('simpleRequestCertId: one CertID, no nonce, nothing else (RFC 5019 2.1.1)', () => {
  it('returns the CertID bytes of a plain request, as the cache keys them', () => {
    const found = simpleRequestCertId(buildOcspRequest({ certIds: [certId] }));
    expect(found).toBeDefined();
    expect(Buffer.compare(found!, certId.der)).toBe(0);
    // Hand-built, the same bytes.
    const byHand = seq(seq(seq(seq(certId.der))));
    expect(Buffer.compare(simpleRequestCertId(byHand)!, certId.der)).toBe(0);
  });

  it('declines a request with a nonce, several CertIDs, or a version field', () => {
    expect(simpleRequestCertId(buildOcspRequest({ certIds: [certId], nonce: new Uint8Array(16).fill(7) }))).toBe(
      undefined,
    );
    expect(simpleRequestCertId(buildOcspRequest({ certIds: [certId, other] }))).toBeUndefined();
    const version = tlv(0xa0, tlv(0x02, Uint8Array.of(0)));
    expect(simpleRequestCertId(seq(tlv(0x30, Buffer.concat([version, seq(seq(certId.der))]))))).toBeUndefined();
  });

  it('declines singleRequestExtensions and an optionalSignature', () => {
    const singleExtensions = tlv(0xa0, seq());
    expect(simpleRequestCertId(seq(seq(seq(seq(certId.der, singleExtensions)))))).toBeUndefined();
    const signature = tlv(0xa0, seq());
    expect(simpleRequestCertId(seq(seq(seq(seq(certId.der))), signature))).toBeUndefined();
  });

  it('declines anything that is not strict DER framing: trailing bytes, truncation, long or indefinite lengths', () => {
    const plain = buildOcspRequest({ certIds: [certId] });
    expect(simpleRequestCertId(Buffer.concat([plain, Uint8Array.of(0)]))).toBeUndefined();
    for (let cut = 0; cut < plain.length; cut++) expect(simpleRequestCertId(plain.subarray(0, cut))).toBeUndefined();
    // The outer length in long form although under 128 (not DER).
    const inner = plain.subarray(2);
    expect(plain[1]).toBeLessThan(0x80);
    expect(simpleRequestCertId(Uint8Array.from([0x30, 0x81, inner.length, ...inner]))).toBeUndefined();
    expect(simpleRequestCertId(Uint8Array.from([0x30, 0x80, ...inner, 0, 0]))).toBeUndefined();
    expect(simpleRequestCertId(new Uint8Array(0))).toBeUndefined();
    expect(simpleRequestCertId(Uint8Array.from(Buffer.from('not der at all')))).toBeUndefined();
  });

  it('accepts long-form lengths where DER needs them (a CertID of SHA-512 hashes and a long serial)', () => {
    const long = certIdFor(issuerName, publicKey, 'ab'.repeat(20), 'sha512');
    const request = buildOcspRequest({ certIds: [long] });
    expect(request[1]! & 0x80).toBe(0x80);
    expect(Buffer.compare(simpleRequestCertId(request)!, long.der)).toBe(0);
  });
});
