import { ECDH, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeylineError } from '../../src/errors/keyline-error.js';
import {
  CURVES,
  clearKeyObjectCache,
  parsePublicKeyInfo,
  readPublicKeyInfo,
  type CurveName,
  type EcPublicKeyInfo,
  type RsaPublicKeyInfo,
} from '../../src/crypto/index.js';
import { parseDer } from '../../src/x509/der/validate.js';
import * as der from '../../src/x509/der/writer.js';
import { OID } from '../../src/x509/oids.js';
import { codeOf, openSslDir, type OpenSslDir } from './openssl.js';

const spkiOf = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): Uint8Array =>
  new Uint8Array(key.export({ format: 'der', type: 'spki' }));

const ecSpki = (curve: CurveName): Uint8Array =>
  spkiOf(generateKeyPairSync('ec', { namedCurve: CURVES[curve].opensslName }).publicKey);

/** An SPKI from its parts, to build the defects no honest tool writes. */
const spki = (algorithm: Uint8Array, key: Uint8Array, unusedBits = 0): Uint8Array =>
  der.seq(algorithm, der.bits(key, unusedBits));
const ecAlgorithm = (curveOid: string): Uint8Array => der.seq(der.oid(OID.ecPublicKey), der.oid(curveOid));
const rsaKey = (modulus: Uint8Array, exponent: bigint, params: 'null' | 'absent' = 'null'): Uint8Array =>
  spki(
    params === 'null' ? der.seq(der.oid(OID.rsaEncryption), der.nul()) : der.seq(der.oid(OID.rsaEncryption)),
    der.seq(der.unsignedInt(modulus), der.int(exponent)),
  );
/** An odd modulus of exactly `bits` bits (not a real RSA modulus; the decoder does not factor). */
const modulusOf = (bits: number): Uint8Array => {
  const bytes = new Uint8Array(Math.ceil(bits / 8)).fill(0xa5);
  const top = bits % 8 === 0 ? 8 : bits % 8;
  bytes[0] = (1 << (top - 1)) | 1;
  bytes[bytes.length - 1]! |= 1;
  return bytes;
};

describe('EC keys (RFC 5480)', () => {
  it.each<CurveName>(['P-256', 'P-384', 'P-521'])('%s: named curve, uncompressed point', (curve) => {
    const encoded = ecSpki(curve);
    const key = parsePublicKeyInfo(encoded) as EcPublicKeyInfo;
    expect(key.algorithm).toBe('ec');
    expect(key.curve).toBe(curve);
    expect(key.bits).toBe(CURVES[curve].bits);
    expect(key.compressed).toBe(false);
    expect(key.point.length).toBe(1 + 2 * CURVES[curve].size);
    expect(key.point[0]).toBe(4);
    expect(key.subjectPublicKey).toEqual(key.point);
    expect(key.spki).toEqual(encoded);
    expect(key.keyObject().equals(createPublicKey({ key: Buffer.from(encoded), format: 'der', type: 'spki' }))).toBe(
      true,
    );
  });

  it('reads an SPKI in place inside a larger buffer', () => {
    const inner = ecSpki('P-256');
    const outer = der.seq(der.int(7), inner);
    const top = parseDer(outer);
    const key = readPublicKeyInfo(outer, {
      tag: 0x30,
      start: top.valueStart + 3,
      valueStart: top.valueStart + 5,
      end: top.end,
    });
    expect(key.spki).toEqual(inner);
  });

  it('refuses a point with a flipped byte of Y: not on the curve (checked by OpenSSL)', () => {
    for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
      const bad = ecSpki(curve);
      bad[bad.length - 1]! ^= 0x01;
      expect(codeOf(() => parsePublicKeyInfo(bad))).toBe('ERR_CRYPTO_POINT_NOT_ON_CURVE');
      expect(codeOf(() => parsePublicKeyInfo(bad, { importKey: true }))).toBe('ERR_CRYPTO_POINT_NOT_ON_CURVE');
    }
  });

  it('refuses a coordinate equal to or above the field prime', () => {
    const p = CURVES['P-256'].p;
    const good = parsePublicKeyInfo(ecSpki('P-256')) as EcPublicKeyInfo;
    const xIsP = der.concat([Uint8Array.of(4), p, good.point.subarray(33)]);
    const yIsP = der.concat([good.point.subarray(0, 33), p]);
    const xAllOnes = der.concat([Uint8Array.of(2), new Uint8Array(32).fill(0xff)]);
    for (const point of [xIsP, yIsP, xAllOnes]) {
      expect(codeOf(() => parsePublicKeyInfo(spki(ecAlgorithm(OID.prime256v1), point)))).toBe(
        'ERR_CRYPTO_BAD_EC_POINT',
      );
    }
  });

  it('refuses the point at infinity, hybrid form, and points of the wrong length', () => {
    const good = parsePublicKeyInfo(ecSpki('P-256')) as EcPublicKeyInfo;
    const hybrid = Uint8Array.from(good.point);
    hybrid[0] = 0x06 | (good.point[64]! & 1);
    const cases = [Uint8Array.of(0), hybrid, good.point.subarray(0, 64), der.concat([good.point, Uint8Array.of(0)])];
    for (const point of cases) {
      expect(codeOf(() => parsePublicKeyInfo(spki(ecAlgorithm(OID.prime256v1), point)))).toBe(
        'ERR_CRYPTO_BAD_EC_POINT',
      );
    }
    // A P-384-sized point under the P-256 OID.
    const p384 = parsePublicKeyInfo(ecSpki('P-384')) as EcPublicKeyInfo;
    expect(codeOf(() => parsePublicKeyInfo(spki(ecAlgorithm(OID.prime256v1), p384.point)))).toBe(
      'ERR_CRYPTO_BAD_EC_POINT',
    );
  });

  it('accepts compressed points and verifies with them', () => {
    for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
      const pair = generateKeyPairSync('ec', { namedCurve: CURVES[curve].opensslName });
      const full = parsePublicKeyInfo(spkiOf(pair.publicKey)) as EcPublicKeyInfo;
      const compressedPoint = ECDH.convertKey(
        Buffer.from(full.point),
        CURVES[curve].opensslName,
        undefined,
        undefined,
        'compressed',
      ) as Buffer;
      const key = parsePublicKeyInfo(spki(ecAlgorithm(CURVES[curve].oid), compressedPoint)) as EcPublicKeyInfo;
      expect(key.compressed).toBe(true);
      expect(key.point.length).toBe(1 + CURVES[curve].size);
      expect(key.keyObject().equals(pair.publicKey)).toBe(true);
      const signature = sign(CURVES[curve].hash, Buffer.from('compressed'), pair.privateKey);
      expect(verify(CURVES[curve].hash, Buffer.from('compressed'), key.keyObject(), signature)).toBe(true);
    }
  });

  it('refuses a compressed X with no point on the curve', () => {
    // About half of all X values have no Y; find one deterministically.
    const name = CURVES['P-256'].opensslName;
    let x = 1;
    const candidate = (): Buffer =>
      Buffer.concat([Buffer.of(2), Buffer.alloc(28), Buffer.from(Uint32Array.of(x).buffer).reverse()]);
    for (;;) {
      try {
        ECDH.convertKey(candidate(), name);
        x++;
      } catch {
        break;
      }
    }
    expect(codeOf(() => parsePublicKeyInfo(spki(ecAlgorithm(OID.prime256v1), candidate())))).toBe(
      'ERR_CRYPTO_POINT_NOT_ON_CURVE',
    );
  });

  it('refuses implicitCurve (NULL), absent parameters and unsupported named curves', () => {
    const point = (parsePublicKeyInfo(ecSpki('P-256')) as EcPublicKeyInfo).point;
    expect(codeOf(() => parsePublicKeyInfo(spki(der.seq(der.oid(OID.ecPublicKey), der.nul()), point)))).toBe(
      'ERR_CRYPTO_EXPLICIT_EC_PARAMETERS',
    );
    expect(codeOf(() => parsePublicKeyInfo(spki(der.seq(der.oid(OID.ecPublicKey)), point)))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
    const k1 = spkiOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey);
    expect(codeOf(() => parsePublicKeyInfo(k1))).toBe('ERR_CRYPTO_UNSUPPORTED_CURVE');
  });
});

describe('keys made by the openssl CLI', () => {
  let ssl: OpenSslDir;
  beforeAll(() => {
    ssl = openSslDir();
  });
  afterAll(() => ssl.remove());

  it('refuses explicit EC parameters (openssl ecparam -param_enc explicit)', () => {
    ssl.run('ecparam', '-name', 'prime256v1', '-genkey', '-param_enc', 'explicit', '-out', 'explicit.pem');
    ssl.run(
      'ec',
      '-in',
      'explicit.pem',
      '-pubout',
      '-param_enc',
      'explicit',
      '-outform',
      'DER',
      '-out',
      'explicit.der',
    );
    expect(codeOf(() => parsePublicKeyInfo(ssl.read('explicit.der')))).toBe('ERR_CRYPTO_EXPLICIT_EC_PARAMETERS');
    // The same key with a named curve is fine.
    ssl.run(
      'ec',
      '-in',
      'explicit.pem',
      '-pubout',
      '-param_enc',
      'named_curve',
      '-outform',
      'DER',
      '-out',
      'named.der',
    );
    expect(parsePublicKeyInfo(ssl.read('named.der')).curve).toBe('P-256');
  });

  it('reads compressed points written by openssl ec -conv_form compressed', () => {
    ssl.run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384.pem');
    ssl.run('ec', '-in', 'p384.pem', '-pubout', '-conv_form', 'compressed', '-outform', 'DER', '-out', 'p384c.der');
    const key = parsePublicKeyInfo(ssl.read('p384c.der')) as EcPublicKeyInfo;
    expect(key).toMatchObject({ curve: 'P-384', compressed: true });
    expect(key.keyObject().asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  });

  it('refuses RSA 1024 and accepts RSA 2048 (openssl genpkey)', () => {
    for (const bits of [1024, 2048]) {
      ssl.run('genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${bits}`, '-out', `rsa${bits}.pem`);
      ssl.run('pkey', '-in', `rsa${bits}.pem`, '-pubout', '-outform', 'DER', '-out', `rsa${bits}.der`);
    }
    expect(codeOf(() => parsePublicKeyInfo(ssl.read('rsa1024.der')))).toBe('ERR_CRYPTO_RSA_KEY_TOO_SMALL');
    const key = parsePublicKeyInfo(ssl.read('rsa2048.der')) as RsaPublicKeyInfo;
    expect(key).toMatchObject({ algorithm: 'rsa', bits: 2048, exponent: 65537n });
    expect(key.modulus.length).toBe(256);
  });

  it('reads an Ed25519 key (openssl genpkey -algorithm ED25519)', () => {
    ssl.run('genpkey', '-algorithm', 'ED25519', '-out', 'ed.pem');
    ssl.run('pkey', '-in', 'ed.pem', '-pubout', '-outform', 'DER', '-out', 'ed.der');
    const key = parsePublicKeyInfo(ssl.read('ed.der'));
    expect(key).toMatchObject({ algorithm: 'ed25519', bits: 256 });
    expect(key.subjectPublicKey.length).toBe(32);
  });
});

describe('Ed25519 keys (RFC 8410)', () => {
  it('round-trips through the KeyObject', () => {
    const pair = generateKeyPairSync('ed25519');
    const key = parsePublicKeyInfo(spkiOf(pair.publicKey));
    expect(key.keyObject().equals(pair.publicKey)).toBe(true);
  });

  it('refuses parameters and keys that are not 32 octets', () => {
    const raw = new Uint8Array(32).fill(9);
    expect(codeOf(() => parsePublicKeyInfo(spki(der.seq(der.oid(OID.ed25519), der.nul()), raw)))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
    expect(codeOf(() => parsePublicKeyInfo(spki(der.seq(der.oid(OID.ed25519)), raw.subarray(1))))).toBe(
      'ERR_CRYPTO_BAD_ED25519_KEY',
    );
  });
});

describe('RSA keys (RFC 3279 2.3.1, RFC 8017 3.1)', () => {
  it('reads the modulus length exactly: 2047 bits is too small, 2048 is enough', () => {
    expect(codeOf(() => parsePublicKeyInfo(rsaKey(modulusOf(2047), 65537n)))).toBe('ERR_CRYPTO_RSA_KEY_TOO_SMALL');
    expect(parsePublicKeyInfo(rsaKey(modulusOf(2048), 65537n)).bits).toBe(2048);
    expect(parsePublicKeyInfo(rsaKey(modulusOf(8192), 3n)).bits).toBe(8192);
    expect(codeOf(() => parsePublicKeyInfo(rsaKey(modulusOf(8193), 65537n)))).toBe('ERR_CRYPTO_RSA_KEY_TOO_LARGE');
  });

  it('requires NULL parameters', () => {
    expect(codeOf(() => parsePublicKeyInfo(rsaKey(modulusOf(2048), 65537n, 'absent')))).toBe(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
    );
  });

  it('refuses even, one, negative and oversized exponents, and negative or even moduli', () => {
    const n = modulusOf(2048);
    for (const e of [65536n, 1n, 0n, -3n, 1n << 64n]) {
      expect(codeOf(() => parsePublicKeyInfo(rsaKey(n, e)))).toBe('ERR_CRYPTO_BAD_RSA_KEY');
    }
    expect(parsePublicKeyInfo(rsaKey(n, (1n << 64n) - 1n)).algorithm).toBe('rsa');
    const even = Uint8Array.from(n);
    even[even.length - 1]! &= 0xfe;
    expect(codeOf(() => parsePublicKeyInfo(rsaKey(even, 65537n)))).toBe('ERR_CRYPTO_BAD_RSA_KEY');
    const negative = spki(der.seq(der.oid(OID.rsaEncryption), der.nul()), der.seq(der.tlv(0x02, n), der.int(65537)));
    expect(codeOf(() => parsePublicKeyInfo(negative))).toBe('ERR_CRYPTO_BAD_RSA_KEY');
  });

  it('refuses an RSAPublicKey with extra or missing fields and non-minimal integers', () => {
    const n = der.unsignedInt(modulusOf(2048));
    const alg = der.seq(der.oid(OID.rsaEncryption), der.nul());
    expect(codeOf(() => parsePublicKeyInfo(spki(alg, der.seq(n))))).toBe('ERR_DER_TRUNCATED');
    expect(codeOf(() => parsePublicKeyInfo(spki(alg, der.seq(n, der.int(3), der.int(3)))))).toBe(
      'ERR_DER_TRAILING_BYTES',
    );
    expect(codeOf(() => parsePublicKeyInfo(spki(alg, der.seq(n, Uint8Array.of(2, 2, 0, 3)))))).toBe(
      'ERR_DER_NON_MINIMAL_INTEGER',
    );
  });
});

describe('other algorithms and structure', () => {
  it.each([
    ['X25519', () => generateKeyPairSync('x25519').publicKey],
    ['Ed448', () => generateKeyPairSync('ed448').publicKey],
    ['RSASSA-PSS keys', () => generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey],
  ])('%s is an unsupported key algorithm', (_name, make) => {
    expect(codeOf(() => parsePublicKeyInfo(spkiOf(make())))).toBe('ERR_CRYPTO_UNSUPPORTED_KEY_ALGORITHM');
  });

  it('refuses a BIT STRING with unused bits, trailing bytes and a missing key', () => {
    const good = ecSpki('P-256');
    const key = parsePublicKeyInfo(good) as EcPublicKeyInfo;
    expect(codeOf(() => parsePublicKeyInfo(spki(ecAlgorithm(OID.prime256v1), key.point, 1)))).toBe(
      'ERR_DER_BAD_BIT_STRING',
    );
    expect(codeOf(() => parsePublicKeyInfo(der.concat([good, Uint8Array.of(0)])))).toBe('ERR_DER_TRAILING_BYTES');
    expect(codeOf(() => parsePublicKeyInfo(der.seq(ecAlgorithm(OID.prime256v1))))).toBe('ERR_DER_TRUNCATED');
  });

  it('never throws anything but a KeylineError on mutated or truncated input', () => {
    const seeds = [
      ecSpki('P-256'),
      ecSpki('P-521'),
      spkiOf(generateKeyPairSync('ed25519').publicKey),
      spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (seed, edits, cut) => {
          const input = Uint8Array.from(seed);
          for (const [at, value] of edits) input[at % input.length] = value;
          for (const candidate of [input, input.subarray(0, cut % input.length)]) {
            try {
              parsePublicKeyInfo(candidate).keyObject();
            } catch (error) {
              if (!(error instanceof KeylineError)) throw error;
            }
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe('the KeyObject cache', () => {
  it('hands out one KeyObject per SPKI until cleared', () => {
    const encoded = ecSpki('P-256');
    const first = parsePublicKeyInfo(encoded).keyObject();
    expect(parsePublicKeyInfo(Uint8Array.from(encoded)).keyObject()).toBe(first);
    clearKeyObjectCache();
    const again = parsePublicKeyInfo(encoded).keyObject();
    expect(again).not.toBe(first);
    expect(again.equals(first)).toBe(true);
  });

  it('imports every key type to a KeyObject equal to the one OpenSSL decodes from the SPKI', () => {
    const keys = [
      ecSpki('P-256'),
      ecSpki('P-384'),
      ecSpki('P-521'),
      spkiOf(generateKeyPairSync('ed25519').publicKey),
      spkiOf(generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey),
    ];
    for (const encoded of keys) {
      clearKeyObjectCache();
      const reference = createPublicKey({ key: Buffer.from(encoded), format: 'der', type: 'spki' });
      expect(parsePublicKeyInfo(encoded).keyObject().equals(reference)).toBe(true);
      clearKeyObjectCache();
      expect(parsePublicKeyInfo(encoded, { importKey: true }).keyObject().equals(reference)).toBe(true);
    }
  });
});
