import { createPublicKey, generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { fail } from '../errors/keyline-error.js';
import type { SignerAlgorithm } from './algorithms.js';
import { asUint8Array } from './bytes.js';
import { CURVES, curveByOpensslName, type CurveName, type HashName } from './curves.js';

/**
 * What every CA operation signs with. A signer never exposes its private key through this
 * interface; backends (software, PKCS#11, a secure element) implement it.
 *
 * `sign` may answer synchronously or with a promise (`await` handles both); a backend that signs
 * in-process also offers `signSync`, which the issuance fast path uses to avoid a promise per
 * certificate. For ECDSA the signature is the DER ECDSA-Sig-Value X.509 carries (RFC 5480 2.2,
 * RFC 5758 3.2); for Ed25519 the 64 octets of RFC 8032 (RFC 8410 6).
 */
export interface Signer {
  readonly algorithm: SignerAlgorithm;
  /** The DER SubjectPublicKeyInfo of the signing key. Treat as read-only. */
  readonly publicKeySpki: Uint8Array;
  sign(data: Uint8Array): Promise<Uint8Array> | Uint8Array;
  signSync?(data: Uint8Array): Uint8Array;
}

/** A signer that signs in-process, synchronously. */
export interface SyncSigner extends Signer {
  sign(data: Uint8Array): Uint8Array;
  signSync(data: Uint8Array): Uint8Array;
}

/** A signer over a `node:crypto` private key held in memory (tests, ceremonies, the software backend). */
export interface SoftwareSigner extends SyncSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function isSyncSigner(signer: Signer): signer is SyncSigner {
  return typeof signer.signSync === 'function';
}

export interface SoftwareSignerOptions {
  /**
   * The ECDSA hash to sign with. Default: the curve's own strength (P-256/SHA-256, P-384/SHA-384,
   * P-521/SHA-512, RFC 5480 section 4). Ed25519 keys only take 'ed25519'.
   */
  readonly algorithm?: SignerAlgorithm;
}

const HASH_OF: Readonly<Record<Exclude<SignerAlgorithm, 'ed25519'>, HashName>> = {
  'ecdsa-sha256': 'sha256',
  'ecdsa-sha384': 'sha384',
  'ecdsa-sha512': 'sha512',
};

/** The DER SubjectPublicKeyInfo of a public key, or of the public half of a private key. */
export function encodeSpki(key: KeyObject): Uint8Array {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.type !== 'public') throw new TypeError('encodeSpki needs an asymmetric key');
  return asUint8Array(publicKey.export({ format: 'der', type: 'spki' }));
}

/**
 * A `SoftwareSigner` over an ECDSA (P-256, P-384, P-521) or Ed25519 private key. Other key types
 * are `ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY` (Keyline never issues with RSA).
 */
export function softwareSigner(privateKey: KeyObject, options: SoftwareSignerOptions = {}): SoftwareSigner {
  if (privateKey?.type !== 'private') throw new TypeError('softwareSigner needs a private KeyObject');
  const algorithm = signerAlgorithmFor(privateKey, options.algorithm);
  const hash = algorithm === 'ed25519' ? null : HASH_OF[algorithm];
  const publicKey = createPublicKey(privateKey);
  const publicKeySpki = encodeSpki(publicKey);
  const signSync = (data: Uint8Array): Uint8Array => asUint8Array(nodeSign(hash, data, privateKey));
  return Object.freeze({ algorithm, publicKeySpki, privateKey, publicKey, sign: signSync, signSync });
}

function signerAlgorithmFor(privateKey: KeyObject, requested: SignerAlgorithm | undefined): SignerAlgorithm {
  if (privateKey.asymmetricKeyType === 'ed25519') {
    if (requested !== undefined && requested !== 'ed25519') {
      fail('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY', `an Ed25519 key cannot sign ${requested}`);
    }
    return 'ed25519';
  }
  if (privateKey.asymmetricKeyType === 'ec') {
    const curve = curveByOpensslName(privateKey.asymmetricKeyDetails?.namedCurve);
    if (curve === undefined) {
      fail(
        'ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY',
        `EC curve ${privateKey.asymmetricKeyDetails?.namedCurve} is not supported`,
      );
    }
    if (requested === undefined) return `ecdsa-${curve.hash}`;
    if (requested === 'ed25519') fail('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY', 'an EC key cannot sign ed25519');
    if (!(requested in HASH_OF)) throw new TypeError(`unknown signer algorithm "${String(requested)}"`);
    return requested;
  }
  return fail(
    'ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY',
    `${privateKey.asymmetricKeyType ?? 'this'} key cannot sign for Keyline`,
  );
}

/** Generates a fresh key in memory and returns its signer (tests and key ceremonies). */
export function generateSigner(
  curve: CurveName | 'ed25519' = 'P-256',
  options: SoftwareSignerOptions = {},
): SoftwareSigner {
  if (curve === 'ed25519') return softwareSigner(generateKeyPairSync('ed25519').privateKey, options);
  const spec = CURVES[curve];
  if (spec === undefined) throw new TypeError(`unknown curve "${String(curve)}"`);
  return softwareSigner(generateKeyPairSync('ec', { namedCurve: spec.opensslName }).privateKey, options);
}
