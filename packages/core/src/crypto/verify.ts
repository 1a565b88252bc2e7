import { constants, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { KeylineError, fail, isKeylineError } from '../errors/keyline-error.js';
import { ERROR_REGISTRY, type ErrorCode } from '../errors/registry.js';
import { keyAlgorithmOf, type SignatureAlgorithm } from './algorithms.js';
import { CURVES } from './curves.js';
import { parsePublicKeyInfo, type EcPublicKeyInfo, type PublicKeyInfo } from './public-key.js';
import { checkEcdsaSignature, checkEd25519Signature, checkRsaSignatureLength } from './signature-format.js';

/** One signature to verify. */
export interface VerifyRequest {
  /** The algorithm from the signed object's AlgorithmIdentifier (`signatureAlgorithmOf`). */
  readonly algorithm: SignatureAlgorithm;
  /** The signer's key: a decoded SubjectPublicKeyInfo, or its DER (decoded strictly here). */
  readonly publicKey: PublicKeyInfo | Uint8Array;
  /** The exact signed bytes (e.g. the TBSCertificate DER). */
  readonly data: Uint8Array;
  /** The signature value (the BIT STRING content): DER ECDSA-Sig-Value, 64 Ed25519 octets, or the RSA integer. */
  readonly signature: Uint8Array;
}

export interface VerifyOptions {
  /**
   * Also require an ECDSA hash of the curve's strength (P-256/SHA-256, P-384/SHA-384,
   * P-521/SHA-512; RFC 5480 section 4, CA/Browser Forum BR 7.1.3.2.2), refusing other pairings
   * with `ERR_CRYPTO_CURVE_HASH_MISMATCH`. Off by default: RFC 5758 3.2 and RFC 5480 do not forbid
   * other pairings and OpenSSL accepts them, so path validation does too; profiles may enforce it.
   */
  readonly matchCurveHash?: boolean;
}

/** The outcome of a verification as a value: what path validation reports. */
export type SignatureCheck =
  { readonly ok: true } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const OK: SignatureCheck = Object.freeze({ ok: true });
const INVALID: SignatureCheck = Object.freeze({
  ok: false,
  code: 'ERR_CRYPTO_SIGNATURE_INVALID',
  message: ERROR_REGISTRY.ERR_CRYPTO_SIGNATURE_INVALID.message,
});

/**
 * Verifies one signature with node:crypto after checking its form strictly.
 *
 * Returns `true` for a valid signature and `false` for a well-formed signature that does not verify.
 * Throws a `KeylineError` when the question itself is malformed: a public key that fails strict
 * decoding, a key type that does not fit the algorithm (`ERR_CRYPTO_KEY_ALGORITHM_MISMATCH`), or a
 * signature of the wrong form — ECDSA not DER or r/s outside [1, n-1], Ed25519 not 64 octets or
 * S ≥ L, RSA not as long as the modulus (see `signature-format.ts` for the codes).
 *
 * Any ECDSA hash is accepted with any of our curves unless `options.matchCurveHash` is set.
 * RSA is verified with PKCS#1 v1.5 or PSS (MGF1 with the signature hash, the exact salt length of
 * the parameters); RSA is never used for signing.
 */
export function verifySignature(request: VerifyRequest, options: VerifyOptions = {}): boolean {
  const { algorithm, data, signature } = request;
  if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    throw new TypeError('data and signature must be Uint8Arrays');
  }
  const key =
    request.publicKey instanceof Uint8Array
      ? parsePublicKeyInfo(request.publicKey, { importKey: true })
      : request.publicKey;
  const needed = keyAlgorithmOf(algorithm);
  if (key.algorithm !== needed) {
    fail('ERR_CRYPTO_KEY_ALGORITHM_MISMATCH', `${algorithm.name} needs an ${needed} key, not ${key.algorithm}`);
  }
  switch (algorithm.family) {
    case 'ecdsa': {
      const curve = CURVES[(key as EcPublicKeyInfo).curve];
      if (options.matchCurveHash === true && curve.hash !== algorithm.hash) {
        fail('ERR_CRYPTO_CURVE_HASH_MISMATCH', `${algorithm.name} with a ${curve.name} key`);
      }
      checkEcdsaSignature(signature, curve);
      return run(algorithm.hash, data, key.keyObject(), signature);
    }
    case 'ed25519':
      checkEd25519Signature(signature);
      return run(null, data, key.keyObject(), signature);
    case 'rsa-pkcs1':
      checkRsaSignatureLength(signature, key.bits);
      return run(algorithm.hash, data, { key: key.keyObject(), padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'rsa-pss':
      checkRsaSignatureLength(signature, key.bits);
      return run(
        algorithm.hash,
        data,
        { key: key.keyObject(), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.saltLength },
        signature,
      );
  }
}

function run(
  hash: string | null,
  data: Uint8Array,
  key: KeyObject | { key: KeyObject; padding: number; saltLength?: number },
  signature: Uint8Array,
): boolean {
  try {
    return nodeVerify(hash, data, key, signature);
  } catch (cause) {
    // Forms are checked before this point; an exception here is OpenSSL failing, not a bad signature.
    throw new KeylineError('ERR_CRYPTO_OPERATION_FAILED', undefined, undefined, { cause });
  }
}

/**
 * `verifySignature` as a value: `{ ok: true }`, or `{ ok: false, code, message }` with
 * `ERR_CRYPTO_SIGNATURE_INVALID` for a signature that does not verify (a fixed, detail-free message)
 * or the code of whatever made the question malformed. Never throws a KeylineError; a TypeError
 * still reports programmer misuse.
 */
export function checkSignature(request: VerifyRequest, options: VerifyOptions = {}): SignatureCheck {
  try {
    return verifySignature(request, options) ? OK : INVALID;
  } catch (error) {
    if (isKeylineError(error)) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/** `verifySignature` that also throws `ERR_CRYPTO_SIGNATURE_INVALID` when the signature does not verify. */
export function assertSignature(request: VerifyRequest, options: VerifyOptions = {}): void {
  if (!verifySignature(request, options)) fail('ERR_CRYPTO_SIGNATURE_INVALID');
}
