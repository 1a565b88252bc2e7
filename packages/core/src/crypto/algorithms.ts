import { fail } from '../errors/keyline-error.js';
import { DerCursor } from '../x509/der/cursor.js';
import type { DerLimits } from '../x509/der/limits.js';
import { expectTag, readSmallInteger } from '../x509/der/primitives.js';
import { Tag, contextConstructed } from '../x509/der/tags.js';
import { encodingOf, type Tlv } from '../x509/der/tlv.js';
import { parseDer } from '../x509/der/validate.js';
import * as der from '../x509/der/writer.js';
import { OID } from '../x509/oids.js';
import type { HashName } from './curves.js';
import { readAlgorithmOid } from './known-oids.js';

/**
 * An AlgorithmIdentifier (RFC 5280 4.1.1.2) as it was encoded: the OID, the parameters element
 * (whole DER encoding, absent when the field is omitted), and the whole identifier's encoding, so
 * that callers can compare identifiers byte for byte (RFC 5280 4.1.1.2: signatureAlgorithm MUST
 * equal the TBS `signature` field). Both byte arrays are views into the input, not copies.
 */
export interface AlgorithmIdentifier {
  readonly oid: string;
  readonly parameters?: Uint8Array;
  readonly der: Uint8Array;
}

/** The algorithms a Keyline `Signer` can issue with (we never issue RSA). */
export type SignerAlgorithm = 'ecdsa-sha256' | 'ecdsa-sha384' | 'ecdsa-sha512' | 'ed25519';

/** ECDSA with a SHA-2 hash (RFC 5758 3.2); the signature value is a DER ECDSA-Sig-Value. */
export interface EcdsaAlgorithm {
  readonly family: 'ecdsa';
  readonly name: 'ecdsa-sha256' | 'ecdsa-sha384' | 'ecdsa-sha512';
  readonly oid: string;
  readonly hash: HashName;
}

/** PureEdDSA over edwards25519 (RFC 8410 3, RFC 8032 5.1); no pre-hash. */
export interface Ed25519Algorithm {
  readonly family: 'ed25519';
  readonly name: 'ed25519';
  readonly oid: string;
}

/** RSASSA-PKCS1-v1_5 with a SHA-2 hash (RFC 4055 5, RFC 8017 8.2); verification only. */
export interface RsaPkcs1Algorithm {
  readonly family: 'rsa-pkcs1';
  readonly name: 'rsa-pkcs1-sha256' | 'rsa-pkcs1-sha384' | 'rsa-pkcs1-sha512';
  readonly oid: string;
  readonly hash: HashName;
}

/**
 * RSASSA-PSS (RFC 4055 3.1, RFC 8017 8.1) as Keyline supports it: a SHA-2 hash, MGF1 with the
 * same hash, an explicit salt length and trailer field 1; verification only.
 */
export interface RsaPssAlgorithm {
  readonly family: 'rsa-pss';
  readonly name: 'rsa-pss-sha256' | 'rsa-pss-sha384' | 'rsa-pss-sha512';
  readonly oid: string;
  readonly hash: HashName;
  readonly saltLength: number;
}

/** A signature algorithm Keyline can verify, decoded from its AlgorithmIdentifier. */
export type SignatureAlgorithm = EcdsaAlgorithm | Ed25519Algorithm | RsaPkcs1Algorithm | RsaPssAlgorithm;

/** The public key type each signature family needs. */
export function keyAlgorithmOf(algorithm: SignatureAlgorithm): 'ec' | 'ed25519' | 'rsa' {
  switch (algorithm.family) {
    case 'ecdsa':
      return 'ec';
    case 'ed25519':
      return 'ed25519';
    default:
      return 'rsa';
  }
}

export const ECDSA_SHA256: EcdsaAlgorithm = Object.freeze({
  family: 'ecdsa',
  name: 'ecdsa-sha256',
  oid: OID.ecdsaWithSha256,
  hash: 'sha256',
});
export const ECDSA_SHA384: EcdsaAlgorithm = Object.freeze({
  family: 'ecdsa',
  name: 'ecdsa-sha384',
  oid: OID.ecdsaWithSha384,
  hash: 'sha384',
});
export const ECDSA_SHA512: EcdsaAlgorithm = Object.freeze({
  family: 'ecdsa',
  name: 'ecdsa-sha512',
  oid: OID.ecdsaWithSha512,
  hash: 'sha512',
});
export const ED25519: Ed25519Algorithm = Object.freeze({ family: 'ed25519', name: 'ed25519', oid: OID.ed25519 });
export const RSA_PKCS1_SHA256: RsaPkcs1Algorithm = Object.freeze({
  family: 'rsa-pkcs1',
  name: 'rsa-pkcs1-sha256',
  oid: OID.sha256WithRsa,
  hash: 'sha256',
});
export const RSA_PKCS1_SHA384: RsaPkcs1Algorithm = Object.freeze({
  family: 'rsa-pkcs1',
  name: 'rsa-pkcs1-sha384',
  oid: OID.sha384WithRsa,
  hash: 'sha384',
});
export const RSA_PKCS1_SHA512: RsaPkcs1Algorithm = Object.freeze({
  family: 'rsa-pkcs1',
  name: 'rsa-pkcs1-sha512',
  oid: OID.sha512WithRsa,
  hash: 'sha512',
});

const BY_SIGNER_NAME: Readonly<Record<SignerAlgorithm, EcdsaAlgorithm | Ed25519Algorithm>> = {
  'ecdsa-sha256': ECDSA_SHA256,
  'ecdsa-sha384': ECDSA_SHA384,
  'ecdsa-sha512': ECDSA_SHA512,
  ed25519: ED25519,
};

/** The description of a signer algorithm, e.g. to verify what a `Signer` produced. */
export function signatureAlgorithmByName(name: SignerAlgorithm): EcdsaAlgorithm | Ed25519Algorithm {
  const algorithm = BY_SIGNER_NAME[name];
  if (algorithm === undefined) throw new TypeError(`unknown signer algorithm "${String(name)}"`);
  return algorithm;
}

// Parameters MUST be absent for ECDSA (RFC 5758 3.2) and Ed25519 (RFC 8410 3).
const ABSENT_PARAMETERS: ReadonlyMap<string, EcdsaAlgorithm | Ed25519Algorithm> = new Map<
  string,
  EcdsaAlgorithm | Ed25519Algorithm
>([
  [OID.ecdsaWithSha256, ECDSA_SHA256],
  [OID.ecdsaWithSha384, ECDSA_SHA384],
  [OID.ecdsaWithSha512, ECDSA_SHA512],
  [OID.ed25519, ED25519],
]);

const PKCS1: ReadonlyMap<string, RsaPkcs1Algorithm> = new Map<string, RsaPkcs1Algorithm>([
  [OID.sha256WithRsa, RSA_PKCS1_SHA256],
  [OID.sha384WithRsa, RSA_PKCS1_SHA384],
  [OID.sha512WithRsa, RSA_PKCS1_SHA512],
]);

/** Recognised, refused as weak: SHA-1 and older hashes (RFC 6194; CA/Browser Forum BR 7.1.3.2). */
const WEAK: ReadonlyMap<string, string> = new Map<string, string>([
  [OID.sha1WithRsa, 'sha1WithRSAEncryption'],
  [OID.ecdsaWithSha1, 'ecdsa-with-SHA1'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.3.14.3.2.29', 'sha1WithRSASignature (OIW)'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
]);

/** Recognised, not supported: named in the message so that an operator knows what was seen. */
const UNSUPPORTED: ReadonlyMap<string, string> = new Map<string, string>([
  ['1.2.840.113549.1.1.14', 'sha224WithRSAEncryption'],
  ['1.2.840.10045.4.3.1', 'ecdsa-with-SHA224'],
  [OID.ed448, 'Ed448'],
  ['2.16.840.1.101.3.4.3.2', 'dsa-with-sha256'],
]);

const HASHES: ReadonlyMap<string, HashName> = new Map<string, HashName>([
  [OID.sha256, 'sha256'],
  [OID.sha384, 'sha384'],
  [OID.sha512, 'sha512'],
]);

function isNull(parameters: Uint8Array | undefined): boolean {
  return parameters !== undefined && parameters.length === 2 && parameters[0] === Tag.NULL && parameters[1] === 0;
}

/** Small bounds for standalone identifiers: a PSS identifier is under 80 octets. */
const ALGORITHM_LIMITS: DerLimits = { maxBytes: 1024, maxDepth: 8, maxElements: 64 };

/**
 * Reads the AlgorithmIdentifier at `tlv` in `buf` (`SEQUENCE { algorithm OID, parameters ANY
 * OPTIONAL }`). Checks the shape only; what the parameters must be is up to the algorithm.
 */
export function readAlgorithmIdentifier(buf: Uint8Array, tlv: Tlv): AlgorithmIdentifier {
  expectTag(tlv, Tag.SEQUENCE, 'AlgorithmIdentifier');
  const cursor = DerCursor.inside(buf, tlv, 'AlgorithmIdentifier');
  const oid = readAlgorithmOid(buf, cursor.expect(Tag.OID, 'algorithm'));
  const parameters = cursor.done ? undefined : cursor.next();
  cursor.finish();
  const whole = encodingOf(buf, tlv);
  return parameters === undefined ? { oid, der: whole } : { oid, parameters: encodingOf(buf, parameters), der: whole };
}

/** Parses one standalone DER AlgorithmIdentifier (strict DER, no trailing bytes). */
export function parseAlgorithmIdentifier(encoded: Uint8Array): AlgorithmIdentifier {
  return readAlgorithmIdentifier(encoded, parseDer(encoded, ALGORITHM_LIMITS));
}

/**
 * Maps an AlgorithmIdentifier to the signature algorithm it names, checking its parameters
 * strictly. Throws `ERR_CRYPTO_WEAK_ALGORITHM` for SHA-1 and older, `ERR_CRYPTO_UNSUPPORTED_ALGORITHM`
 * for anything else unknown, `ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS` for parameters the algorithm
 * forbids or requires, `ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS` for PSS settings outside our set.
 */
export function signatureAlgorithmOf(identifier: AlgorithmIdentifier): SignatureAlgorithm {
  const { oid, parameters } = identifier;
  const simple = ABSENT_PARAMETERS.get(oid);
  if (simple !== undefined) {
    if (parameters !== undefined) {
      fail(
        'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
        `${simple.name}: parameters MUST be absent (RFC 5758 3.2, RFC 8410 3)`,
      );
    }
    return simple;
  }
  const pkcs1 = PKCS1.get(oid);
  if (pkcs1 !== undefined) {
    // RFC 4055 section 5: the parameters MUST be NULL, and implementations MUST accept them absent.
    if (parameters !== undefined && !isNull(parameters)) {
      fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', `${pkcs1.name}: parameters must be NULL or absent (RFC 4055 5)`);
    }
    return pkcs1;
  }
  if (oid === OID.rsassaPss) return decodePssParameters(parameters);
  const weak = WEAK.get(oid);
  if (weak !== undefined) fail('ERR_CRYPTO_WEAK_ALGORITHM', `${weak} is refused as weak`, { oid });
  const named = UNSUPPORTED.get(oid);
  return fail(
    'ERR_CRYPTO_UNSUPPORTED_ALGORITHM',
    named === undefined ? `signature algorithm ${oid} is not supported` : `${named} is not supported`,
    { oid },
  );
}

/** `readAlgorithmIdentifier` then `signatureAlgorithmOf`. */
export function readSignatureAlgorithm(buf: Uint8Array, tlv: Tlv): SignatureAlgorithm {
  return signatureAlgorithmOf(readAlgorithmIdentifier(buf, tlv));
}

/** A standalone DER AlgorithmIdentifier to the signature algorithm it names. */
export function parseSignatureAlgorithm(encoded: Uint8Array): SignatureAlgorithm {
  return signatureAlgorithmOf(parseAlgorithmIdentifier(encoded));
}

/**
 * A hash AlgorithmIdentifier inside PSS parameters. RFC 4055 2.1: implementations MUST accept both
 * absent and NULL parameters for the SHA-2 identifiers.
 */
function readHash(buf: Uint8Array, tlv: Tlv, field: string): HashName {
  const identifier = readAlgorithmIdentifier(buf, tlv);
  if (identifier.oid === OID.sha1) fail('ERR_CRYPTO_WEAK_ALGORITHM', `RSASSA-PSS ${field} is SHA-1`);
  const hash = HASHES.get(identifier.oid);
  if (hash === undefined) {
    fail('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS', `RSASSA-PSS ${field} ${identifier.oid} is not SHA-2`);
  }
  if (identifier.parameters !== undefined && !isNull(identifier.parameters)) {
    fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', `RSASSA-PSS ${field} parameters must be NULL or absent`);
  }
  return hash;
}

const PSS_DEFAULT_SALT = 20;
const PSS_TRAILER_BC = 1;
/** The largest salt any key we accept could hold: an 8192-bit modulus minus SHA-256 and two octets. */
const PSS_MAX_SALT = 1024 - 32 - 2;

/**
 * RSASSA-PSS-params (RFC 4055 3.1, module with EXPLICIT tags):
 * `SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
 * saltLength [2] INTEGER DEFAULT 20, trailerField [3] INTEGER DEFAULT 1 }`. Parameters MUST be
 * present in a signature's identifier. DER (X.690 11.5) omits fields equal to their DEFAULT, so an
 * explicit saltLength 20 or trailerField 1 is refused as not DER; a missing hash means SHA-1.
 */
function decodePssParameters(parameters: Uint8Array | undefined): RsaPssAlgorithm {
  if (parameters === undefined) {
    fail(
      'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
      'RSASSA-PSS parameters MUST be present in a signature algorithm (RFC 4055 3.1)',
    );
  }
  const top = parseDer(parameters, ALGORITHM_LIMITS);
  if (top.tag !== Tag.SEQUENCE) fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'RSASSA-PSS parameters must be a SEQUENCE');
  const cursor = DerCursor.inside(parameters, top, 'RSASSA-PSS-params');

  const hashField = cursor.optional(contextConstructed(0));
  const mgfField = cursor.optional(contextConstructed(1));
  const saltField = cursor.optional(contextConstructed(2));
  const trailerField = cursor.optional(contextConstructed(3));
  cursor.finish();

  if (hashField === undefined) fail('ERR_CRYPTO_WEAK_ALGORITHM', 'RSASSA-PSS with the default hash (SHA-1)');
  const hash = readHash(parameters, onlyChild(parameters, hashField, 'hashAlgorithm'), 'hashAlgorithm');

  if (mgfField === undefined) {
    fail('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS', 'RSASSA-PSS with the default mask generation (MGF1 with SHA-1)');
  }
  const mgf = readAlgorithmIdentifier(parameters, onlyChild(parameters, mgfField, 'maskGenAlgorithm'));
  if (mgf.oid !== OID.mgf1) {
    fail('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS', `RSASSA-PSS mask generation ${mgf.oid} is not MGF1`);
  }
  if (mgf.parameters === undefined) {
    fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'RSASSA-PSS MGF1 must name its hash (RFC 4055 3.1)');
  }
  const mgfHash = readHash(mgf.parameters, readWhole(mgf.parameters), 'MGF1 hash');
  // node:crypto (like most verifiers) uses the signature hash for MGF1; RFC 4055 3.1 recommends the same.
  if (mgfHash !== hash) {
    fail('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS', `RSASSA-PSS MGF1 hash ${mgfHash} differs from the hash ${hash}`);
  }

  let saltLength = PSS_DEFAULT_SALT;
  if (saltField !== undefined) {
    const saltTlv = onlyChild(parameters, saltField, 'saltLength');
    if (saltTlv.tag !== Tag.INTEGER)
      fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'RSASSA-PSS saltLength must be an INTEGER');
    saltLength = readSmallInteger(parameters, saltTlv);
    if (saltLength === PSS_DEFAULT_SALT) {
      fail(
        'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
        'RSASSA-PSS saltLength equal to its DEFAULT must be omitted (X.690 11.5)',
      );
    }
    if (saltLength > PSS_MAX_SALT) {
      fail(
        'ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS',
        `RSASSA-PSS saltLength ${saltLength} is longer than any key allows`,
      );
    }
  }

  if (trailerField !== undefined) {
    const trailerTlv = onlyChild(parameters, trailerField, 'trailerField');
    if (trailerTlv.tag !== Tag.INTEGER) {
      fail('ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS', 'RSASSA-PSS trailerField must be an INTEGER');
    }
    const trailer = readSmallInteger(parameters, trailerTlv);
    if (trailer === PSS_TRAILER_BC) {
      fail(
        'ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS',
        'RSASSA-PSS trailerField equal to its DEFAULT must be omitted (X.690 11.5)',
      );
    }
    fail('ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS', 'RSASSA-PSS trailerField MUST be 1 (RFC 4055 3.1)');
  }

  return Object.freeze({ family: 'rsa-pss', name: `rsa-pss-${hash}`, oid: OID.rsassaPss, hash, saltLength });
}

/** The single element inside an EXPLICIT context tag. */
function onlyChild(buf: Uint8Array, tagged: Tlv, field: string): Tlv {
  const cursor = DerCursor.inside(buf, tagged, `RSASSA-PSS ${field}`);
  const inner = cursor.next();
  cursor.finish();
  return inner;
}

function readWhole(buf: Uint8Array): Tlv {
  // Already validated as part of the enclosing parameters; this only locates the element.
  return parseDer(buf, ALGORITHM_LIMITS);
}

// Our encoders. ECDSA and Ed25519 identifiers omit parameters (RFC 5758 3.2, RFC 8410 3).
const ENCODED: Readonly<Record<SignerAlgorithm, Uint8Array>> = {
  'ecdsa-sha256': der.seq(der.oid(OID.ecdsaWithSha256)),
  'ecdsa-sha384': der.seq(der.oid(OID.ecdsaWithSha384)),
  'ecdsa-sha512': der.seq(der.oid(OID.ecdsaWithSha512)),
  ed25519: der.seq(der.oid(OID.ed25519)),
};

/** The DER AlgorithmIdentifier of a signer algorithm (a fresh copy each call). */
export function encodeSignatureAlgorithm(name: SignerAlgorithm): Uint8Array {
  const encoded = ENCODED[name];
  if (encoded === undefined) throw new TypeError(`unknown signer algorithm "${String(name)}"`);
  return encoded.slice();
}
