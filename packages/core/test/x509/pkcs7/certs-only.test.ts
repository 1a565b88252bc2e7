import { afterAll, describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { isKeylineError } from '../../../src/errors/keyline-error.js';
import { selfSignSync } from '../../../src/x509/certificate/builder.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { Tag, contextConstructed } from '../../../src/x509/der/tags.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { decodeCertsOnly, encodeCertsOnly, OID_DATA, OID_SIGNED_DATA } from '../../../src/x509/pkcs7/certs-only.js';
import { openSslDir } from '../../crypto/openssl.js';

const ssl = openSslDir('keyline-pkcs7-');
afterAll(() => ssl.remove());

function selfSigned(cn: string, serial: number): Certificate {
  const subject = der.seq(der.setOf(der.seq(der.oid(OID.commonName), der.utf8(cn))));
  return selfSignSync(
    {
      serial: Uint8Array.of(serial),
      subject,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
    },
    generateSigner('P-256'),
  );
}

const root = selfSigned('PKCS7 Root', 1);
const other = selfSigned('PKCS7 Other', 2);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isKeylineError(error) ? error.code : `raw:${(error as Error).name}`;
  }
}

/** Wraps SignedData parts into a ContentInfo, for hand-made bad inputs. */
function contentInfo(signedParts: Uint8Array[], type = OID_SIGNED_DATA): Uint8Array {
  return der.seq(der.oid(type), der.explicit(0, der.seq(...signedParts)));
}

const EMPTY_SET = der.setOf();
const ENCAP = der.seq(der.oid(OID_DATA));
const certSet = (...certs: Uint8Array[]) => der.tlv(contextConstructed(0), der.concat(certs));

describe('encodeCertsOnly (RFC 5652 5.1 degenerate SignedData, RFC 7030 4.1.3)', () => {
  it('round-trips certificates through decodeCertsOnly', () => {
    const encoded = encodeCertsOnly([root.der, other.der]);
    const decoded = decodeCertsOnly(encoded);
    expect(decoded.crls).toEqual([]);
    const fingerprints = decoded.certificates.map((c) => Certificate.fromDer(c).fingerprint).sort();
    expect(fingerprints).toEqual([root.fingerprint, other.fingerprint].sort());
  });

  it('writes the certificate SET in DER order whatever the input order', () => {
    expect(encodeCertsOnly([root.der, other.der])).toEqual(encodeCertsOnly([other.der, root.der]));
  });

  it('is what OpenSSL reads as a PKCS#7 with the same certificates (openssl pkcs7 -print_certs)', () => {
    ssl.write('bundle.p7', encodeCertsOnly([root.der, other.der]));
    const text = ssl.run('pkcs7', '-inform', 'DER', '-in', 'bundle.p7', '-print_certs').toString('latin1');
    expect(text).toContain('subject=CN = PKCS7 Root');
    expect(text).toContain('subject=CN = PKCS7 Other');
    expect(text.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('is byte-identical to what OpenSSL writes for the same certificate (crl2pkcs7 -nocrl)', () => {
    ssl.write('root.pem', root.toPem());
    ssl.run('crl2pkcs7', '-nocrl', '-certfile', 'root.pem', '-outform', 'DER', '-out', 'openssl.p7');
    expect(encodeCertsOnly([root.der])).toEqual(ssl.read('openssl.p7'));
  });

  it('reads what OpenSSL writes', () => {
    ssl.write('both.pem', root.toPem() + other.toPem());
    ssl.run('crl2pkcs7', '-nocrl', '-certfile', 'both.pem', '-outform', 'DER', '-out', 'both.p7');
    const decoded = decodeCertsOnly(ssl.read('both.p7'));
    expect(decoded.certificates).toHaveLength(2);
  });

  it('carries CRLs in [1] when given', () => {
    const fakeCrl = der.seq(der.seq(der.int(1)), der.seq(der.oid(OID.ecdsaWithSha256)), der.bits(Uint8Array.of(0)));
    const decoded = decodeCertsOnly(encodeCertsOnly([root.der], [fakeCrl]));
    expect(decoded.crls).toEqual([fakeCrl]);
  });

  it('encodes an empty certificate set', () => {
    expect(decodeCertsOnly(encodeCertsOnly([])).certificates).toEqual([]);
  });

  it('refuses inputs that are not one DER SEQUENCE', () => {
    expect(codeOf(() => encodeCertsOnly([Uint8Array.of(1, 2, 3)]))).toBe('ERR_X509_BUILD_INVALID');
    expect(codeOf(() => encodeCertsOnly([der.int(5)]))).toBe('ERR_X509_BUILD_INVALID');
  });
});

describe('decodeCertsOnly refuses what is not a certs-only message', () => {
  const good = [der.int(1), EMPTY_SET, ENCAP, certSet(root.der), EMPTY_SET];

  it('accepts the hand-made good form (control)', () => {
    expect(decodeCertsOnly(contentInfo(good)).certificates).toHaveLength(1);
  });

  it.each<[string, Uint8Array, string]>([
    ['garbage', Uint8Array.of(0xff, 0x00), 'ERR_DER_HIGH_TAG_NUMBER'],
    ['truncated', encodeCertsOnly([root.der]).subarray(0, 40), 'ERR_DER_LENGTH_TOO_LARGE'],
    ['trailing bytes', Buffer.concat([encodeCertsOnly([root.der]), Buffer.of(0)]), 'ERR_DER_TRAILING_BYTES'],
    ['not a SEQUENCE', der.int(1), 'ERR_PKCS7_MALFORMED'],
    ['another content type (envelopedData)', contentInfo(good, '1.2.840.113549.1.7.3'), 'ERR_PKCS7_MALFORMED'],
    ['version 2', contentInfo([der.int(2), ...good.slice(1)]), 'ERR_PKCS7_MALFORMED'],
    ['version 5', contentInfo([der.int(5), ...good.slice(1)]), 'ERR_PKCS7_MALFORMED'],
    [
      'eContent present',
      contentInfo([
        der.int(1),
        EMPTY_SET,
        der.seq(der.oid(OID_DATA), der.explicit(0, der.octets(Uint8Array.of(1)))),
        certSet(root.der),
        EMPTY_SET,
      ]),
      'ERR_PKCS7_MALFORMED',
    ],
    [
      'eContentType not id-data',
      contentInfo([der.int(1), EMPTY_SET, der.seq(der.oid('1.2.3.4')), certSet(root.der), EMPTY_SET]),
      'ERR_PKCS7_MALFORMED',
    ],
    [
      'a signerInfo present',
      contentInfo([der.int(1), EMPTY_SET, ENCAP, certSet(root.der), der.setOf(der.seq(der.int(1)))]),
      'ERR_PKCS7_MALFORMED',
    ],
    ['signerInfos missing', contentInfo([der.int(1), EMPTY_SET, ENCAP, certSet(root.der)]), 'ERR_PKCS7_MALFORMED'],
    [
      'an attribute certificate choice',
      contentInfo([der.int(1), EMPTY_SET, ENCAP, certSet(der.tlv(contextConstructed(2), der.int(1))), EMPTY_SET]),
      'ERR_PKCS7_MALFORMED',
    ],
    ['an extra field', contentInfo([...good, der.int(0)]), 'ERR_PKCS7_MALFORMED'],
    [
      'content not [0]',
      der.seq(der.oid(OID_SIGNED_DATA), der.tlv(contextConstructed(1), der.seq(...good))),
      'ERR_PKCS7_MALFORMED',
    ],
    ['indefinite length', Uint8Array.of(Tag.SEQUENCE, 0x80, 0, 0), 'ERR_DER_INDEFINITE_LENGTH'],
  ])('%s → %s', (_name, input, code) => {
    expect(codeOf(() => decodeCertsOnly(input))).toBe(code);
  });

  it('never throws anything but a KeylineError on truncations of a good message', () => {
    const encoded = encodeCertsOnly([root.der, other.der]);
    for (let n = 0; n < encoded.length; n++) {
      const code = codeOf(() => decodeCertsOnly(encoded.subarray(0, n)));
      expect(code, `prefix ${n}`).toMatch(/^ERR_/);
    }
  });
});
