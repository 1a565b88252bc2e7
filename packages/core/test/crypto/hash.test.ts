import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digest,
  keyIdentifier,
  keyIdentifierFromSpki,
  parsePublicKeyInfo,
  sha1,
  sha256,
} from '../../src/crypto/index.js';
import { codeOf, hex, openSslDir, splitCertificate, type OpenSslDir } from './openssl.js';

describe('digests', () => {
  it('match the FIPS 180-4 "abc" vectors', () => {
    const abc = new TextEncoder().encode('abc');
    expect(Buffer.from(sha1(abc)).toString('hex')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(Buffer.from(sha256(abc)).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(digest('sha384', abc).length).toBe(48);
    expect(digest('sha512', abc)).toEqual(new Uint8Array(createHash('sha512').update(abc).digest()));
  });
});

describe('key identifiers', () => {
  let ssl: OpenSslDir;
  beforeAll(() => {
    ssl = openSslDir();
  });
  afterAll(() => ssl.remove());

  it('RFC 5280 4.2.1.2 method 1 equals the subjectKeyIdentifier OpenSSL writes', () => {
    for (const keyArgs of [
      ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ['-algorithm', 'ED25519'],
      ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    ]) {
      ssl.run('genpkey', ...keyArgs, '-out', 'k.pem');
      ssl.run(
        'req',
        '-x509',
        '-new',
        '-key',
        'k.pem',
        '-subj',
        '/CN=ski',
        '-days',
        '1',
        '-outform',
        'DER',
        '-out',
        'c.der',
      );
      const text = ssl
        .run('x509', '-inform', 'DER', '-in', 'c.der', '-noout', '-ext', 'subjectKeyIdentifier')
        .toString();
      const expected = hex(text.split('\n')[1]!.trim());
      const spki = splitCertificate(ssl.read('c.der')).spki;
      expect(keyIdentifierFromSpki(spki)).toEqual(expected);
      expect(keyIdentifier(parsePublicKeyInfo(spki).subjectPublicKey)).toEqual(expected);
    }
  });

  it('RFC 7093 method 1: the leftmost 160 bits of SHA-256 of the key bits', () => {
    const spki = new Uint8Array(
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }),
    );
    const bits = spki.subarray(spki.length - 65);
    const id = keyIdentifierFromSpki(spki, 'sha256-160');
    expect(id.length).toBe(20);
    expect(id).toEqual(new Uint8Array(createHash('sha256').update(bits).digest().subarray(0, 20)));
  });

  it('refuses malformed SPKIs with DER codes', () => {
    expect(codeOf(() => keyIdentifierFromSpki(Uint8Array.of(0x30, 0x00)))).toBe('ERR_DER_TRUNCATED');
    expect(codeOf(() => keyIdentifierFromSpki(Uint8Array.of(0x30, 0x02, 0x05, 0x00)))).toBe('ERR_DER_UNEXPECTED_TAG');
    expect(codeOf(() => keyIdentifierFromSpki(Uint8Array.of(0x30, 0x03, 0x30, 0x01)))).toBe('ERR_DER_LENGTH_TOO_LARGE');
  });
});
