import { ECDH, type KeyObject } from 'node:crypto';
import { KeylineError, fail } from '../errors/keyline-error.js';
import { DerCursor } from '../x509/der/cursor.js';
import type { DerLimits } from '../x509/der/limits.js';
import { expectTag, readOctetAlignedBitString } from '../x509/der/primitives.js';
import { Tag } from '../x509/der/tags.js';
import { contentOf, encodingOf, readTlv, type Tlv } from '../x509/der/tlv.js';
import { parseDer } from '../x509/der/validate.js';
import { OID } from '../x509/oids.js';
import { readAlgorithmIdentifier, type AlgorithmIdentifier } from './algorithms.js';
import { compareMagnitude, curveByOid, type CurveName, type CurveSpec } from './curves.js';
import { readAlgorithmOid } from './known-oids.js';
import { importPublicKey, isKeyObjectCached, type KeyMaterial } from './key-import.js';

/** The public key types Keyline accepts. */
export type KeyAlgorithm = 'ec' | 'ed25519' | 'rsa';

interface PublicKeyInfoBase {
  readonly algorithm: KeyAlgorithm;
  /** Named curve of an EC key. */
  readonly curve?: CurveName;
  /** Key size: the field size for EC (256, 384, 521), 256 for Ed25519, the modulus length for RSA. */
  readonly bits: number;
  /** The whole SubjectPublicKeyInfo DER (a view into the parsed input, not a copy). */
  readonly spki: Uint8Array;
  /** The `algorithm` field as encoded. */
  readonly algorithmIdentifier: AlgorithmIdentifier;
  /**
   * The `subjectPublicKey` BIT STRING content after its unused-bits octet: what key identifiers
   * hash (RFC 5280 4.2.1.2, RFC 7093 2).
   */
  readonly subjectPublicKey: Uint8Array;
  /** EC point as encoded (uncompressed `04||X||Y` or compressed `02|03||X`). */
  readonly point?: Uint8Array;
  /**
   * The key as a `node:crypto` KeyObject, imported on first use by the cheapest path and cached
   * per SPKI in a bounded LRU shared by the process.
   */
  keyObject(): KeyObject;
}

/** An ECDSA key on a named NIST curve (RFC 5480). */
export interface EcPublicKeyInfo extends PublicKeyInfoBase {
  readonly algorithm: 'ec';
  readonly curve: CurveName;
  readonly point: Uint8Array;
  readonly compressed: boolean;
}

/** An Ed25519 key (RFC 8410). */
export interface Ed25519PublicKeyInfo extends PublicKeyInfoBase {
  readonly algorithm: 'ed25519';
  readonly curve?: undefined;
  readonly point?: undefined;
}

/** An RSA key (rsaEncryption, RFC 3279 2.3.1 / RFC 8017 A.1.1); accepted for verification only. */
export interface RsaPublicKeyInfo extends PublicKeyInfoBase {
  readonly algorithm: 'rsa';
  readonly curve?: undefined;
  readonly point?: undefined;
  /** Modulus n, unsigned big-endian without leading zero octets. */
  readonly modulus: Uint8Array;
  readonly exponent: bigint;
}

export type PublicKeyInfo = EcPublicKeyInfo | Ed25519PublicKeyInfo | RsaPublicKeyInfo;

export interface PublicKeyParseOptions {
  /**
   * Import the KeyObject now and let that import validate the key (one OpenSSL call), instead of a
   * separate on-curve check and a lazy import (two calls when the key is used). Use it when the key
   * is about to verify something; leave it off for keys that are only read (a leaf's key during
   * path validation).
   */
  readonly importKey?: boolean;
}

/** Smallest and largest RSA moduli accepted (NIST SP 800-131A; a bound on verification work). */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

/** A standalone SPKI is small: an RSA-8192 key is about 1,100 octets. */
const SPKI_LIMITS: DerLimits = { maxBytes: 4096, maxDepth: 8, maxElements: 64 };
const RSA_KEY_LIMITS: DerLimits = { maxBytes: 2048, maxDepth: 2, maxElements: 8 };

/**
 * Decodes a SubjectPublicKeyInfo (RFC 5280 4.1.2.7) strictly:
 * - EC (id-ecPublicKey): a namedCurve of P-256, P-384 or P-521 (RFC 5480 2.1.1: explicit
 *   `specifiedCurve` and `implicitCurve` refused with `ERR_CRYPTO_EXPLICIT_EC_PARAMETERS`); the
 *   point uncompressed or compressed (RFC 5480 2.2), of the curve's length, coordinates below p, and
 *   on the curve — the curve equation is checked by OpenSSL, never by JavaScript curve code.
 * - Ed25519: parameters absent, 32-octet key (RFC 8410 3, 4). The encoding is not decompressed
 *   here; a key that is not a valid point fails every verification.
 * - RSA (rsaEncryption): parameters NULL (RFC 3279 2.3.1); modulus positive, odd, 2048 to 8192
 *   bits; exponent odd, > 1 and < 2^64 (RFC 8017 3.1; OpenSSL's bound on exponents).
 * Everything else (id-RSASSA-PSS keys, DSA, X25519, Ed448) is `ERR_CRYPTO_UNSUPPORTED_KEY_ALGORITHM`.
 */
export function readPublicKeyInfo(buf: Uint8Array, tlv: Tlv, options: PublicKeyParseOptions = {}): PublicKeyInfo {
  expectTag(tlv, Tag.SEQUENCE, 'SubjectPublicKeyInfo');
  const cursor = DerCursor.inside(buf, tlv, 'SubjectPublicKeyInfo');
  const algorithmIdentifier = readAlgorithmIdentifier(buf, cursor.expect(Tag.SEQUENCE, 'algorithm'));
  const subjectPublicKey = readOctetAlignedBitString(buf, cursor.expect(Tag.BIT_STRING, 'subjectPublicKey'));
  cursor.finish();
  const spki = encodingOf(buf, tlv);
  switch (algorithmIdentifier.oid) {
    case OID.ecPublicKey:
      return ecKey(spki, algorithmIdentifier, subjectPublicKey, options);
    case OID.ed25519:
      return ed25519Key(spki, algorithmIdentifier, subjectPublicKey, options);
    case OID.rsaEncryption:
      return rsaKey(spki, algorithmIdentifier, subjectPublicKey, options);
    default:
      return fail(
        'ERR_CRYPTO_UNSUPPORTED_KEY_ALGORITHM',
        `public key algorithm ${algorithmIdentifier.oid} is not supported`,
        { oid: algorithmIdentifier.oid },
      );
  }
}

/** Parses one standalone DER SubjectPublicKeyInfo (strict DER, no trailing bytes). */
export function parsePublicKeyInfo(spki: Uint8Array, options: PublicKeyParseOptions = {}): PublicKeyInfo {
  return readPublicKeyInfo(spki, parseDer(spki, SPKI_LIMITS), options);
}

function lazyKey(spki: Uint8Array, material: KeyMaterial, eager: boolean): () => KeyObject {
  let key: KeyObject | undefined = eager ? importPublicKey(spki, material) : undefined;
  return () => (key ??= importPublicKey(spki, material));
}

function ecCurve(parameters: Uint8Array | undefined): CurveSpec {
  // ECParameters ::= CHOICE { namedCurve OID, implicitCurve NULL, specifiedCurve SpecifiedECDomain }
  // (RFC 5480 2.1.1: implicitCurve and specifiedCurve MUST NOT be used in PKIX).
  if (parameters === undefined) {
    fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'id-ecPublicKey parameters MUST be present (RFC 5480 2.1.1)');
  }
  const tag = parameters[0];
  if (tag === Tag.SEQUENCE) fail('ERR_CRYPTO_EXPLICIT_EC_PARAMETERS', 'EC key carries explicit curve parameters');
  if (tag === Tag.NULL) fail('ERR_CRYPTO_EXPLICIT_EC_PARAMETERS', 'EC key uses implicitCurve');
  if (tag !== Tag.OID) fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'id-ecPublicKey parameters must be a namedCurve');
  const oid = readAlgorithmOid(parameters, readTlv(parameters, 0, parameters.length));
  const curve = curveByOid(oid);
  if (curve === undefined) fail('ERR_CRYPTO_UNSUPPORTED_CURVE', `curve ${oid} is not supported`, { oid });
  return curve;
}

function ecKey(
  spki: Uint8Array,
  algorithmIdentifier: AlgorithmIdentifier,
  point: Uint8Array,
  options: PublicKeyParseOptions,
): EcPublicKeyInfo {
  const curve = ecCurve(algorithmIdentifier.parameters);
  const size = curve.size;
  const form = point[0];
  let x: Uint8Array;
  let y: Uint8Array | undefined;
  if (form === 0x04 && point.length === 1 + 2 * size) {
    x = point.subarray(1, 1 + size);
    y = point.subarray(1 + size);
  } else if ((form === 0x02 || form === 0x03) && point.length === 1 + size) {
    x = point.subarray(1);
  } else {
    return fail(
      'ERR_CRYPTO_BAD_EC_POINT',
      `${curve.name} point must be 04||X||Y or 02/03||X of ${size}-octet coordinates`,
    );
  }
  // SEC 1 v2 2.3.4 / 3.2.2.1: coordinates are field elements, below p.
  if (compareMagnitude(x, curve.p) >= 0 || (y !== undefined && compareMagnitude(y, curve.p) >= 0)) {
    fail('ERR_CRYPTO_BAD_EC_POINT', `${curve.name} point has a coordinate not below the field prime`);
  }
  const eager = options.importKey === true;
  if (!eager && !isKeyObjectCached(spki)) {
    // OpenSSL decodes the point and checks the curve equation (EC_POINT_oct2point); a compressed
    // point comes back decompressed, which lets the lazy import take the JWK path.
    const uncompressed = onCurve(point, curve);
    if (y === undefined) {
      x = uncompressed.subarray(1, 1 + size);
      y = uncompressed.subarray(1 + size);
    }
  }
  const material: KeyMaterial = y === undefined ? { kind: 'ec', curve } : { kind: 'ec', curve, x, y };
  return {
    algorithm: 'ec',
    curve: curve.name,
    bits: curve.bits,
    spki,
    algorithmIdentifier,
    subjectPublicKey: point,
    point,
    compressed: form !== 0x04,
    keyObject: lazyKey(spki, material, eager),
  };
}

function onCurve(point: Uint8Array, curve: CurveSpec): Uint8Array {
  try {
    const out = ECDH.convertKey(
      Buffer.from(point.buffer, point.byteOffset, point.byteLength),
      curve.opensslName,
      undefined,
      undefined,
      'uncompressed',
    );
    return out as Buffer;
  } catch (cause) {
    throw new KeylineError('ERR_CRYPTO_POINT_NOT_ON_CURVE', `${curve.name} point is not on the curve`, undefined, {
      cause,
    });
  }
}

function ed25519Key(
  spki: Uint8Array,
  algorithmIdentifier: AlgorithmIdentifier,
  key: Uint8Array,
  options: PublicKeyParseOptions,
): Ed25519PublicKeyInfo {
  if (algorithmIdentifier.parameters !== undefined) {
    fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'id-Ed25519 parameters MUST be absent (RFC 8410 3)');
  }
  if (key.length !== 32) fail('ERR_CRYPTO_BAD_ED25519_KEY');
  return {
    algorithm: 'ed25519',
    bits: 256,
    spki,
    algorithmIdentifier,
    subjectPublicKey: key,
    keyObject: lazyKey(spki, { kind: 'ed25519', key }, options.importKey === true),
  };
}

function rsaKey(
  spki: Uint8Array,
  algorithmIdentifier: AlgorithmIdentifier,
  subjectPublicKey: Uint8Array,
  options: PublicKeyParseOptions,
): RsaPublicKeyInfo {
  const params = algorithmIdentifier.parameters;
  if (params === undefined || params.length !== 2 || params[0] !== Tag.NULL || params[1] !== 0) {
    fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'rsaEncryption parameters MUST be NULL (RFC 3279 2.3.1)');
  }
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1)
  const top = parseDer(subjectPublicKey, RSA_KEY_LIMITS);
  expectTag(top, Tag.SEQUENCE, 'RSAPublicKey');
  const cursor = DerCursor.inside(subjectPublicKey, top, 'RSAPublicKey');
  const modulusContent = contentOf(subjectPublicKey, cursor.expect(Tag.INTEGER, 'modulus'));
  const exponentContent = contentOf(subjectPublicKey, cursor.expect(Tag.INTEGER, 'publicExponent'));
  cursor.finish();

  // parseDer has checked both INTEGERs are minimal. A leading 0x00 only marks a positive value.
  if ((modulusContent[0]! & 0x80) !== 0) fail('ERR_CRYPTO_BAD_RSA_KEY', 'RSA modulus is negative');
  const modulus = modulusContent[0] === 0 ? modulusContent.subarray(1) : modulusContent;
  if (modulus.length === 0 || (modulus[modulus.length - 1]! & 1) === 0) {
    fail('ERR_CRYPTO_BAD_RSA_KEY', 'RSA modulus must be positive and odd');
  }
  const bits = (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0]!));
  if (bits < RSA_MIN_BITS) fail('ERR_CRYPTO_RSA_KEY_TOO_SMALL', `RSA modulus of ${bits} bits is shorter than 2048`);
  if (bits > RSA_MAX_BITS) fail('ERR_CRYPTO_RSA_KEY_TOO_LARGE', `RSA modulus of ${bits} bits is longer than 8192`);

  if ((exponentContent[0]! & 0x80) !== 0) fail('ERR_CRYPTO_BAD_RSA_KEY', 'RSA exponent is negative');
  const exponentBytes = exponentContent[0] === 0 ? exponentContent.subarray(1) : exponentContent;
  if (exponentBytes.length > 8) fail('ERR_CRYPTO_BAD_RSA_KEY', 'RSA exponent is 2^64 or more');
  let exponent = 0n;
  for (const byte of exponentBytes) exponent = (exponent << 8n) | BigInt(byte);
  if (exponent <= 1n || (exponent & 1n) === 0n) fail('ERR_CRYPTO_BAD_RSA_KEY', 'RSA exponent must be odd and above 1');

  return {
    algorithm: 'rsa',
    bits,
    spki,
    algorithmIdentifier,
    subjectPublicKey,
    modulus,
    exponent,
    keyObject: lazyKey(spki, { kind: 'rsa', modulus, exponent: exponentBytes }, options.importKey === true),
  };
}
