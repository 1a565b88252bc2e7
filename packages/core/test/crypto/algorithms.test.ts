import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ECDSA_SHA256,
  ECDSA_SHA384,
  ECDSA_SHA512,
  ED25519,
  RSA_PKCS1_SHA256,
  RSA_PKCS1_SHA512,
  encodeSignatureAlgorithm,
  keyAlgorithmOf,
  parseAlgorithmIdentifier,
  parseSignatureAlgorithm,
  readSignatureAlgorithm,
  signatureAlgorithmByName,
  type SignerAlgorithm,
} from '../../src/crypto/index.js';
import * as der from '../../src/x509/der/writer.js';
import { OID } from '../../src/x509/oids.js';
import { codeOf, hex, openSslDir, splitCertificate, type OpenSslDir } from './openssl.js';

const sha = (name: 'sha1' | 'sha256' | 'sha384' | 'sha512', params: 'absent' | 'null' = 'absent'): Uint8Array =>
  params === 'null' ? der.seq(der.oid(OID[name]), der.nul()) : der.seq(der.oid(OID[name]));
const mgf1 = (hash: Uint8Array): Uint8Array => der.seq(der.oid(OID.mgf1), hash);
const pss = (...fields: Uint8Array[]): Uint8Array => der.seq(der.oid(OID.rsassaPss), der.seq(...fields));

describe('readAlgorithmIdentifier / parseAlgorithmIdentifier', () => {
  it('returns the OID, the parameters encoding and the whole encoding as views', () => {
    const encoded = der.seq(der.oid(OID.sha256WithRsa), der.nul());
    const id = parseAlgorithmIdentifier(encoded);
    expect(id.oid).toBe(OID.sha256WithRsa);
    expect(id.parameters).toEqual(Uint8Array.of(0x05, 0x00));
    expect(id.der).toEqual(encoded);
    expect(id.der.buffer).toBe(encoded.buffer);
  });

  it('leaves parameters undefined when the field is omitted', () => {
    const id = parseAlgorithmIdentifier(der.seq(der.oid(OID.ecdsaWithSha256)));
    expect(id.parameters).toBeUndefined();
  });

  it('refuses a third element, a missing OID and non-DER input', () => {
    expect(codeOf(() => parseAlgorithmIdentifier(der.seq(der.oid(OID.ed25519), der.nul(), der.nul())))).toBe(
      'ERR_DER_TRAILING_BYTES',
    );
    expect(codeOf(() => parseAlgorithmIdentifier(der.seq(der.nul())))).toBe('ERR_DER_UNEXPECTED_TAG');
    expect(codeOf(() => parseAlgorithmIdentifier(der.seq()))).toBe('ERR_DER_TRUNCATED');
    // SEQUENCE with a non-minimal long-form length.
    expect(codeOf(() => parseAlgorithmIdentifier(hex('30 81 05 06 03 2b 65 70')))).toBe('ERR_DER_NON_MINIMAL_LENGTH');
    expect(codeOf(() => parseAlgorithmIdentifier(der.oid(OID.ed25519)))).toBe('ERR_DER_UNEXPECTED_TAG');
  });
});

describe('signature algorithms: ECDSA and Ed25519 (parameters MUST be absent)', () => {
  it.each([
    [OID.ecdsaWithSha256, ECDSA_SHA256],
    [OID.ecdsaWithSha384, ECDSA_SHA384],
    [OID.ecdsaWithSha512, ECDSA_SHA512],
    [OID.ed25519, ED25519],
  ])('%s decodes without parameters', (oid, expected) => {
    expect(parseSignatureAlgorithm(der.seq(der.oid(oid)))).toBe(expected);
  });

  it.each([OID.ecdsaWithSha256, OID.ecdsaWithSha512, OID.ed25519])(
    '%s with NULL parameters is refused (RFC 5758 3.2, RFC 8410 3)',
    (oid) => {
      expect(codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(oid), der.nul())))).toBe(
        'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
      );
    },
  );

  it('maps each family to the key type it needs', () => {
    expect(keyAlgorithmOf(ECDSA_SHA384)).toBe('ec');
    expect(keyAlgorithmOf(ED25519)).toBe('ed25519');
    expect(keyAlgorithmOf(RSA_PKCS1_SHA256)).toBe('rsa');
  });
});

describe('signature algorithms: RSA PKCS#1 v1.5', () => {
  it('accepts NULL parameters and, per RFC 4055 section 5, absent ones', () => {
    expect(parseSignatureAlgorithm(der.seq(der.oid(OID.sha256WithRsa), der.nul()))).toBe(RSA_PKCS1_SHA256);
    expect(parseSignatureAlgorithm(der.seq(der.oid(OID.sha512WithRsa)))).toBe(RSA_PKCS1_SHA512);
  });

  it('refuses any other parameters', () => {
    expect(
      codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(OID.sha256WithRsa), der.octets(Uint8Array.of())))),
    ).toBe('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS');
  });
});

describe('weak and unsupported algorithms', () => {
  it.each([
    ['sha1WithRSAEncryption', OID.sha1WithRsa],
    ['ecdsa-with-SHA1', OID.ecdsaWithSha1],
    ['md5WithRSAEncryption', '1.2.840.113549.1.1.4'],
    ['dsa-with-sha1', '1.2.840.10040.4.3'],
  ])('%s is recognised and refused as weak', (_name, oid) => {
    expect(codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(oid), der.nul())))).toBe('ERR_CRYPTO_WEAK_ALGORITHM');
    expect(codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(oid))))).toBe('ERR_CRYPTO_WEAK_ALGORITHM');
  });

  it.each([
    ['sha224WithRSAEncryption', '1.2.840.113549.1.1.14'],
    ['Ed448', OID.ed448],
    ['an unknown OID', '1.2.3.4.5'],
  ])('%s is unsupported', (_name, oid) => {
    expect(codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(oid))))).toBe('ERR_CRYPTO_UNSUPPORTED_ALGORITHM');
  });
});

describe('signature algorithms: RSASSA-PSS parameters (RFC 4055 3.1), decoded strictly', () => {
  const sha256 = sha('sha256');
  const good = (...more: Uint8Array[]): Uint8Array =>
    pss(der.explicit(0, sha256), der.explicit(1, mgf1(sha256)), ...more);

  it('decodes SHA-256, MGF1-SHA-256 and salt 32', () => {
    const alg = parseSignatureAlgorithm(good(der.explicit(2, der.int(32))));
    expect(alg).toEqual({
      family: 'rsa-pss',
      name: 'rsa-pss-sha256',
      oid: OID.rsassaPss,
      hash: 'sha256',
      saltLength: 32,
    });
  });

  it('uses the DEFAULT salt length of 20 when the field is omitted', () => {
    expect(parseSignatureAlgorithm(good())).toMatchObject({ saltLength: 20 });
  });

  it('accepts NULL or absent parameters in the hash identifiers (RFC 4055 2.1)', () => {
    const alg = parseSignatureAlgorithm(
      pss(
        der.explicit(0, sha('sha384', 'null')),
        der.explicit(1, mgf1(sha('sha384', 'null'))),
        der.explicit(2, der.int(48)),
      ),
    );
    expect(alg).toMatchObject({ name: 'rsa-pss-sha384', hash: 'sha384', saltLength: 48 });
  });

  it('requires the parameters to be present', () => {
    expect(codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(OID.rsassaPss))))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
    expect(codeOf(() => parseSignatureAlgorithm(der.seq(der.oid(OID.rsassaPss), der.nul())))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
  });

  it('refuses the SHA-1 defaults as weak', () => {
    expect(codeOf(() => parseSignatureAlgorithm(pss()))).toBe('ERR_CRYPTO_WEAK_ALGORITHM');
    expect(
      codeOf(() => parseSignatureAlgorithm(pss(der.explicit(0, sha('sha1')), der.explicit(1, mgf1(sha('sha1')))))),
    ).toBe('ERR_CRYPTO_WEAK_ALGORITHM');
  });

  it('refuses MGF1 with another hash, a missing MGF, and a mask generator other than MGF1', () => {
    expect(codeOf(() => parseSignatureAlgorithm(pss(der.explicit(0, sha256))))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS',
    );
    expect(
      codeOf(() => parseSignatureAlgorithm(pss(der.explicit(0, sha256), der.explicit(1, mgf1(sha('sha512')))))),
    ).toBe('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS');
    expect(
      codeOf(() =>
        parseSignatureAlgorithm(pss(der.explicit(0, sha256), der.explicit(1, der.seq(der.oid('1.2.3.4'), sha256)))),
      ),
    ).toBe('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS');
    expect(
      codeOf(() => parseSignatureAlgorithm(pss(der.explicit(0, sha256), der.explicit(1, der.seq(der.oid(OID.mgf1)))))),
    ).toBe('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS');
  });

  it('refuses fields equal to their DEFAULT, which DER omits (X.690 11.5)', () => {
    expect(codeOf(() => parseSignatureAlgorithm(good(der.explicit(2, der.int(20)))))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
    expect(codeOf(() => parseSignatureAlgorithm(good(der.explicit(3, der.int(1)))))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
  });

  it('refuses a trailer field other than 1, a negative salt and a salt no key could hold', () => {
    expect(codeOf(() => parseSignatureAlgorithm(good(der.explicit(3, der.int(2)))))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS',
    );
    expect(codeOf(() => parseSignatureAlgorithm(good(der.explicit(2, der.int(-1)))))).toBe('ERR_DER_INTEGER_TOO_LARGE');
    expect(codeOf(() => parseSignatureAlgorithm(good(der.explicit(2, der.int(5000)))))).toBe(
      'ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS',
    );
  });

  it('refuses fields out of order, a hash that is not SHA-2, and hash parameters other than NULL', () => {
    expect(codeOf(() => parseSignatureAlgorithm(pss(der.explicit(1, mgf1(sha256)), der.explicit(0, sha256))))).toBe(
      'ERR_DER_TRAILING_BYTES',
    );
    expect(
      codeOf(() => parseSignatureAlgorithm(pss(der.explicit(0, der.seq(der.oid('2.16.840.1.101.3.4.2.4')))))),
    ).toBe('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS');
    const withOctets = der.seq(der.oid(OID.sha256), der.octets(Uint8Array.of(1)));
    expect(codeOf(() => parseSignatureAlgorithm(pss(der.explicit(0, withOctets), der.explicit(1, mgf1(sha256)))))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
  });
});

describe('encodeSignatureAlgorithm', () => {
  it.each<SignerAlgorithm>(['ecdsa-sha256', 'ecdsa-sha384', 'ecdsa-sha512', 'ed25519'])('%s round-trips', (name) => {
    const encoded = encodeSignatureAlgorithm(name);
    expect(parseSignatureAlgorithm(encoded)).toBe(signatureAlgorithmByName(name));
    // Each call is a fresh copy: mutating one cannot corrupt the next.
    encoded[0] = 0;
    expect(encodeSignatureAlgorithm(name)[0]).toBe(0x30);
  });

  it('writes the RFC 5758 and RFC 8410 encodings byte for byte', () => {
    expect(Buffer.from(encodeSignatureAlgorithm('ecdsa-sha256')).toString('hex')).toBe('300a06082a8648ce3d040302');
    expect(Buffer.from(encodeSignatureAlgorithm('ecdsa-sha384')).toString('hex')).toBe('300a06082a8648ce3d040303');
    expect(Buffer.from(encodeSignatureAlgorithm('ecdsa-sha512')).toString('hex')).toBe('300a06082a8648ce3d040304');
    expect(Buffer.from(encodeSignatureAlgorithm('ed25519')).toString('hex')).toBe('300506032b6570');
  });

  it('throws a TypeError for a name it does not know', () => {
    expect(() => encodeSignatureAlgorithm('rsa' as SignerAlgorithm)).toThrow(TypeError);
  });
});

describe('identifiers in certificates made by OpenSSL', () => {
  let ssl: OpenSslDir;
  beforeAll(() => {
    ssl = openSslDir();
  });
  afterAll(() => ssl.remove());

  const selfSigned = (keyArgs: string[], signArgs: string[]): Uint8Array => {
    ssl.run('genpkey', ...keyArgs, '-out', 'key.pem');
    ssl.run(
      'req',
      '-x509',
      '-new',
      '-key',
      'key.pem',
      '-subj',
      '/CN=alg',
      '-days',
      '1',
      ...signArgs,
      '-outform',
      'DER',
      '-out',
      'cert.der',
    );
    return ssl.read('cert.der');
  };

  it('matches our encoders for ECDSA and Ed25519', () => {
    const cases: Array<[string[], string[], SignerAlgorithm]> = [
      [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-sha256'], 'ecdsa-sha256'],
      [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['-sha384'], 'ecdsa-sha384'],
      [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], ['-sha512'], 'ecdsa-sha512'],
      [['-algorithm', 'ED25519'], [], 'ed25519'],
    ];
    for (const [keyArgs, signArgs, name] of cases) {
      const parts = splitCertificate(selfSigned(keyArgs, signArgs));
      expect(parts.innerSignatureAlgorithm).toEqual(encodeSignatureAlgorithm(name));
      expect(readSignatureAlgorithm(parts.signatureAlgorithm.buf, parts.signatureAlgorithm.tlv).name).toBe(name);
    }
  });

  it('decodes OpenSSL RSASSA-PSS identifiers', () => {
    const parts = splitCertificate(
      selfSigned(
        ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
        ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48'],
      ),
    );
    expect(readSignatureAlgorithm(parts.signatureAlgorithm.buf, parts.signatureAlgorithm.tlv)).toMatchObject({
      family: 'rsa-pss',
      hash: 'sha384',
      saltLength: 48,
    });
  });
});
