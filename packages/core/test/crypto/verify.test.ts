import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeylineError } from '../../src/errors/keyline-error.js';
import {
  CURVES,
  ECDSA_SHA256,
  ECDSA_SHA384,
  ECDSA_SHA512,
  ED25519,
  ED25519_ORDER,
  RSA_PKCS1_SHA256,
  RSA_PKCS1_SHA384,
  assertSignature,
  checkSignature,
  parsePublicKeyInfo,
  parseSignatureAlgorithm,
  readSignatureAlgorithm,
  verifySignature,
  type RsaPssAlgorithm,
  type SignatureAlgorithm,
} from '../../src/crypto/index.js';
import * as der from '../../src/x509/der/writer.js';
import { OID } from '../../src/x509/oids.js';
import { codeOf, openSslDir, splitCertificate, type OpenSslDir } from './openssl.js';

const message = new TextEncoder().encode('the exact bytes that were signed');
const spkiOf = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'spki' }));
const pssAlgorithm = (hash: 'sha256' | 'sha384' | 'sha512', saltLength: number): RsaPssAlgorithm => {
  const h = der.seq(der.oid(OID[hash]));
  const fields = [der.explicit(0, h), der.explicit(1, der.seq(der.oid(OID.mgf1), h))];
  if (saltLength !== 20) fields.push(der.explicit(2, der.int(saltLength)));
  return parseSignatureAlgorithm(der.seq(der.oid(OID.rsassaPss), der.seq(...fields))) as RsaPssAlgorithm;
};

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('verifySignature: valid, wrong and tampered signatures', () => {
  const cases: Array<[string, SignatureAlgorithm, KeyObject, KeyObject, (data: Uint8Array) => Uint8Array]> = [
    ['ECDSA P-256 SHA-256', ECDSA_SHA256, p256.privateKey, p256.publicKey, (d) => sign('sha256', d, p256.privateKey)],
    ['ECDSA P-384 SHA-384', ECDSA_SHA384, p384.privateKey, p384.publicKey, (d) => sign('sha384', d, p384.privateKey)],
    ['Ed25519', ED25519, ed.privateKey, ed.publicKey, (d) => sign(null, d, ed.privateKey)],
    ['RSA PKCS#1 SHA-256', RSA_PKCS1_SHA256, rsa.privateKey, rsa.publicKey, (d) => sign('sha256', d, rsa.privateKey)],
    [
      'RSA PSS SHA-256 salt 32',
      pssAlgorithm('sha256', 32),
      rsa.privateKey,
      rsa.publicKey,
      (d) => sign('sha256', d, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    ],
  ];

  it.each(cases)(
    '%s: true for the signed data, false for other data or a flipped bit',
    (_name, algorithm, _priv, pub, signer) => {
      const signature = signer(message);
      const publicKey = parsePublicKeyInfo(spkiOf(pub));
      expect(verifySignature({ algorithm, publicKey, data: message, signature })).toBe(true);
      expect(verifySignature({ algorithm, publicKey: spkiOf(pub), data: message, signature })).toBe(true);
      expect(verifySignature({ algorithm, publicKey, data: message.subarray(1), signature })).toBe(false);
      // Flip a bit of the data and, separately, the last bit of the signature (valid form, wrong value).
      const data = Uint8Array.from(message);
      data[3]! ^= 0x10;
      expect(verifySignature({ algorithm, publicKey, data, signature })).toBe(false);
      const tampered = Uint8Array.from(signature);
      tampered[tampered.length - 1]! ^= algorithm.family === 'ed25519' ? 0x00 : 0x01;
      if (algorithm.family === 'ed25519') tampered[0]! ^= 0x01;
      expect(verifySignature({ algorithm, publicKey, data: message, signature: tampered })).toBe(false);
    },
  );

  it('reports the result as a value, and throws on request', () => {
    const signature = sign('sha256', message, p256.privateKey);
    const publicKey = spkiOf(p256.publicKey);
    expect(checkSignature({ algorithm: ECDSA_SHA256, publicKey, data: message, signature })).toEqual({ ok: true });
    expect(checkSignature({ algorithm: ECDSA_SHA256, publicKey, data: new Uint8Array(3), signature })).toEqual({
      ok: false,
      code: 'ERR_CRYPTO_SIGNATURE_INVALID',
      message: 'signature verification failed',
    });
    expect(
      codeOf(() => assertSignature({ algorithm: ECDSA_SHA256, publicKey, data: new Uint8Array(3), signature })),
    ).toBe('ERR_CRYPTO_SIGNATURE_INVALID');
    expect(codeOf(() => assertSignature({ algorithm: ECDSA_SHA256, publicKey, data: message, signature }))).toBe(
      'no error',
    );
  });

  it('returns the reason of a malformed question instead of throwing in checkSignature', () => {
    const result = checkSignature({
      algorithm: ECDSA_SHA256,
      publicKey: spkiOf(p256.publicKey),
      data: message,
      signature: der.seq(der.int(0), der.int(1)),
    });
    expect(result).toMatchObject({ ok: false, code: 'ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE' });
    const badKey = checkSignature({
      algorithm: ECDSA_SHA256,
      publicKey: new Uint8Array([0x30, 0x00]),
      data: message,
      signature: message,
    });
    expect(badKey.ok).toBe(false);
  });

  it('treats non-Uint8Array data as programmer misuse (TypeError)', () => {
    expect(() =>
      checkSignature({
        algorithm: ED25519,
        publicKey: spkiOf(ed.publicKey),
        data: 'text' as unknown as Uint8Array,
        signature: message,
      }),
    ).toThrow(TypeError);
  });
});

describe('key and algorithm must belong together', () => {
  it('refuses a key of another family', () => {
    const ecSig = sign('sha256', message, p256.privateKey);
    const mismatches: Array<[SignatureAlgorithm, KeyObject]> = [
      [ED25519, p256.publicKey],
      [ECDSA_SHA256, ed.publicKey],
      [ECDSA_SHA256, rsa.publicKey],
      [RSA_PKCS1_SHA256, p256.publicKey],
    ];
    for (const [algorithm, key] of mismatches) {
      expect(
        codeOf(() => verifySignature({ algorithm, publicKey: spkiOf(key), data: message, signature: ecSig })),
      ).toBe('ERR_CRYPTO_KEY_ALGORITHM_MISMATCH');
    }
  });

  it('accepts any SHA-2 hash with any curve by default (RFC 5758 3.2), and refuses it when asked to match', () => {
    const signature = sign('sha512', message, p256.privateKey);
    const request = { algorithm: ECDSA_SHA512, publicKey: spkiOf(p256.publicKey), data: message, signature };
    expect(verifySignature(request)).toBe(true);
    expect(codeOf(() => verifySignature(request, { matchCurveHash: true }))).toBe('ERR_CRYPTO_CURVE_HASH_MISMATCH');
    const matched = { ...request, algorithm: ECDSA_SHA256, signature: sign('sha256', message, p256.privateKey) };
    expect(verifySignature(matched, { matchCurveHash: true })).toBe(true);
  });
});

describe('strict signature forms', () => {
  const n = BigInt('0x' + Buffer.from(CURVES['P-256'].n).toString('hex'));
  const ecRequest = (signature: Uint8Array) => ({
    algorithm: ECDSA_SHA256,
    publicKey: spkiOf(p256.publicKey),
    data: message,
    signature,
  });

  it('ECDSA: r = 0, s = 0, s = n are out of range', () => {
    for (const [r, s] of [
      [0n, 5n],
      [5n, 0n],
      [5n, n],
    ] as const) {
      expect(codeOf(() => verifySignature(ecRequest(der.seq(der.int(r), der.int(s)))))).toBe(
        'ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE',
      );
    }
  });

  it('ECDSA: a valid signature re-encoded as BER is refused, not verified', () => {
    const good = new Uint8Array(sign('sha256', message, p256.privateKey));
    expect(verifySignature(ecRequest(good))).toBe(true);
    // Non-minimal length: the SEQUENCE length in long form (81 xx) although it is below 128.
    const longForm = der.concat([Uint8Array.of(0x30, 0x81, good[1]!), good.subarray(2)]);
    expect(codeOf(() => verifySignature(ecRequest(longForm)))).toBe('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER');
    // Non-minimal integer: r with an extra leading 00 octet.
    const rLength = good[3]!;
    const r = good.subarray(4, 4 + rLength);
    const rest = good.subarray(4 + rLength);
    const padded = der.seq(der.tlv(0x02, der.concat([Uint8Array.of(0), r])), rest);
    expect(codeOf(() => verifySignature(ecRequest(padded)))).toBe('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER');
    // Trailing byte.
    expect(codeOf(() => verifySignature(ecRequest(der.concat([good, Uint8Array.of(0)]))))).toBe(
      'ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER',
    );
  });

  it('Ed25519: adding L to S of a valid signature is refused as non-canonical', () => {
    const good = new Uint8Array(sign(null, message, ed.privateKey));
    const request = { algorithm: ED25519, publicKey: spkiOf(ed.publicKey), data: message, signature: good };
    expect(verifySignature(request)).toBe(true);
    let s = 0n;
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(good[32 + i]!);
    s += ED25519_ORDER;
    const malleated = Uint8Array.from(good);
    for (let i = 0; i < 32; i++) malleated[32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
    expect(codeOf(() => verifySignature({ ...request, signature: malleated }))).toBe(
      'ERR_CRYPTO_ED25519_SIGNATURE_NOT_CANONICAL',
    );
    expect(codeOf(() => verifySignature({ ...request, signature: good.subarray(1) }))).toBe(
      'ERR_CRYPTO_BAD_ED25519_SIGNATURE',
    );
  });

  it('RSA: a signature shorter or longer than the modulus is refused', () => {
    const good = new Uint8Array(sign('sha256', message, rsa.privateKey));
    const request = { algorithm: RSA_PKCS1_SHA256, publicKey: spkiOf(rsa.publicKey), data: message, signature: good };
    expect(verifySignature(request)).toBe(true);
    expect(codeOf(() => verifySignature({ ...request, signature: good.subarray(1) }))).toBe(
      'ERR_CRYPTO_BAD_RSA_SIGNATURE',
    );
    expect(codeOf(() => verifySignature({ ...request, signature: der.concat([Uint8Array.of(0), good]) }))).toBe(
      'ERR_CRYPTO_BAD_RSA_SIGNATURE',
    );
    // The right length but a value above the modulus: well-formed, wrong.
    expect(verifySignature({ ...request, signature: new Uint8Array(256).fill(0xff) })).toBe(false);
  });

  it('RSA PSS: the salt length of the parameters is enforced exactly', () => {
    const signature = sign('sha256', message, {
      key: rsa.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
    const request = { publicKey: spkiOf(rsa.publicKey), data: message, signature };
    expect(verifySignature({ ...request, algorithm: pssAlgorithm('sha256', 32) })).toBe(true);
    expect(verifySignature({ ...request, algorithm: pssAlgorithm('sha256', 20) })).toBe(false);
    expect(verifySignature({ ...request, algorithm: pssAlgorithm('sha256', 900) })).toBe(false);
    expect(verifySignature({ ...request, algorithm: pssAlgorithm('sha384', 32) })).toBe(false);
    // A PKCS#1 v1.5 identifier does not verify a PSS signature.
    expect(verifySignature({ ...request, algorithm: RSA_PKCS1_SHA256 })).toBe(false);
  });
});

describe('OpenSSL as the signer', () => {
  let ssl: OpenSslDir;
  beforeAll(() => {
    ssl = openSslDir();
    ssl.write('data.bin', message);
    ssl.run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.pem');
    ssl.run('pkey', '-in', 'rsa.pem', '-pubout', '-outform', 'DER', '-out', 'rsa.der');
  });
  afterAll(() => ssl.remove());

  it.each([
    ['sha256', '32', 32],
    ['sha256', 'digest', 32],
    ['sha384', '48', 48],
    ['sha512', '0', 0],
    ['sha256', 'max', 256 - 32 - 2],
  ] as const)(
    'verifies RSA-PSS %s with salt %s made by openssl dgst -sigopt rsa_padding_mode:pss',
    (hash, salt, saltLength) => {
      ssl.run(
        'dgst',
        `-${hash}`,
        '-sign',
        'rsa.pem',
        '-sigopt',
        'rsa_padding_mode:pss',
        '-sigopt',
        `rsa_pss_saltlen:${salt}`,
        '-out',
        'pss.sig',
        'data.bin',
      );
      const request = { publicKey: ssl.read('rsa.der'), data: message, signature: ssl.read('pss.sig') };
      expect(verifySignature({ ...request, algorithm: pssAlgorithm(hash, saltLength) })).toBe(true);
      expect(
        verifySignature({ ...request, algorithm: pssAlgorithm(hash, saltLength === 0 ? 1 : saltLength - 1) }),
      ).toBe(false);
    },
  );

  it('verifies PKCS#1 v1.5 signatures made by openssl dgst', () => {
    ssl.run('dgst', '-sha384', '-sign', 'rsa.pem', '-out', 'pkcs1.sig', 'data.bin');
    const request = {
      algorithm: RSA_PKCS1_SHA384,
      publicKey: ssl.read('rsa.der'),
      data: message,
      signature: ssl.read('pkcs1.sig'),
    };
    expect(verifySignature(request)).toBe(true);
    expect(verifySignature({ ...request, data: new Uint8Array(1) })).toBe(false);
  });

  it('verifies ECDSA (a P-256 key with SHA-384) and Ed25519 signatures made by openssl', () => {
    ssl.run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ec.pem');
    ssl.run('pkey', '-in', 'ec.pem', '-pubout', '-outform', 'DER', '-out', 'ec.der');
    ssl.run('dgst', '-sha384', '-sign', 'ec.pem', '-out', 'ec.sig', 'data.bin');
    expect(
      verifySignature({
        algorithm: ECDSA_SHA384,
        publicKey: ssl.read('ec.der'),
        data: message,
        signature: ssl.read('ec.sig'),
      }),
    ).toBe(true);

    ssl.run('genpkey', '-algorithm', 'ED25519', '-out', 'ed.pem');
    ssl.run('pkey', '-in', 'ed.pem', '-pubout', '-outform', 'DER', '-out', 'ed.der');
    ssl.run('pkeyutl', '-sign', '-rawin', '-inkey', 'ed.pem', '-in', 'data.bin', '-out', 'ed.sig');
    expect(
      verifySignature({
        algorithm: ED25519,
        publicKey: ssl.read('ed.der'),
        data: message,
        signature: ssl.read('ed.sig'),
      }),
    ).toBe(true);
  });

  it('verifies the self-signatures of certificates OpenSSL issues, from their own identifiers', () => {
    const cases: Array<[string[], string[]]> = [
      [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-sha256']],
      [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], ['-sha384']],
      [['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], ['-sha512']],
      [['-algorithm', 'ED25519'], []],
      [['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], ['-sha256']],
      [
        ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'],
        ['-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'],
      ],
      [
        ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
        ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:max'],
      ],
    ];
    for (const [keyArgs, signArgs] of cases) {
      ssl.run('genpkey', ...keyArgs, '-out', 'ca.pem');
      ssl.run(
        'req',
        '-x509',
        '-new',
        '-key',
        'ca.pem',
        '-subj',
        '/CN=peer',
        '-days',
        '1',
        ...signArgs,
        '-outform',
        'DER',
        '-out',
        'ca.der',
      );
      const parts = splitCertificate(ssl.read('ca.der'));
      const algorithm = readSignatureAlgorithm(parts.signatureAlgorithm.buf, parts.signatureAlgorithm.tlv);
      const request = { algorithm, publicKey: parts.spki, data: parts.tbs, signature: parts.signature };
      expect([keyArgs, signArgs, verifySignature(request)]).toEqual([keyArgs, signArgs, true]);
      const tbs = Uint8Array.from(parts.tbs);
      tbs[tbs.length - 1]! ^= 1;
      expect(verifySignature({ ...request, data: tbs })).toBe(false);
    }
  });
});

describe('errors stay in the family', () => {
  it('wraps no raw error from node:crypto', () => {
    // An Ed25519 public key that is not a point on the curve: OpenSSL fails to verify, we answer false.
    const bogus = der.seq(der.seq(der.oid(OID.ed25519)), der.bits(new Uint8Array(32).fill(0xff)));
    const signature = new Uint8Array(64);
    let result: unknown;
    try {
      result = verifySignature({ algorithm: ED25519, publicKey: bogus, data: message, signature });
    } catch (error) {
      result = error;
    }
    expect(result === false || result instanceof KeylineError).toBe(true);
  });
});
