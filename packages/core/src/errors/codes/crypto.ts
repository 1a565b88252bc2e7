import type { ErrorSpec } from '../spec.js';

/**
 * Failures of the cryptography layer (`core/src/crypto`): algorithm identifiers, public keys,
 * signature formats and verification. Messages are fixed and carry no key or signature material.
 */
export const CRYPTO_ERRORS = {
  // Algorithm identifiers (RFC 5280 4.1.1.2, RFC 5758 3.2, RFC 8410 3, RFC 4055)
  ERR_CRYPTO_UNSUPPORTED_ALGORITHM: { message: 'signature algorithm is not supported', kind: 'invalid' },
  ERR_CRYPTO_WEAK_ALGORITHM: {
    message: 'signature algorithm relies on SHA-1 or an older hash and is refused as weak',
    kind: 'invalid',
  },
  ERR_CRYPTO_BAD_ALGORITHM_PARAMETERS: {
    message: 'algorithm parameters are not what the algorithm requires',
    kind: 'input',
  },
  ERR_CRYPTO_UNSUPPORTED_PSS_PARAMETERS: {
    message: 'RSASSA-PSS parameters are outside what Keyline supports (SHA-2 hash, MGF1 with the same hash, trailer 1)',
    kind: 'invalid',
  },

  // Public keys (RFC 5480, RFC 8410, RFC 3279 2.3.1, RFC 8017 3.1)
  ERR_CRYPTO_UNSUPPORTED_KEY_ALGORITHM: { message: 'public key algorithm is not supported', kind: 'invalid' },
  ERR_CRYPTO_UNSUPPORTED_CURVE: {
    message: 'elliptic curve is not supported (P-256, P-384 and P-521 are)',
    kind: 'invalid',
  },
  ERR_CRYPTO_EXPLICIT_EC_PARAMETERS: {
    message: 'EC key does not name its curve; RFC 5480 forbids explicit and implicit curve parameters',
    kind: 'input',
  },
  ERR_CRYPTO_BAD_EC_POINT: {
    message: 'EC public key point is malformed (form, length, or a coordinate not below the field prime)',
    kind: 'input',
  },
  ERR_CRYPTO_POINT_NOT_ON_CURVE: { message: 'EC public key point is not on its curve', kind: 'input' },
  ERR_CRYPTO_BAD_ED25519_KEY: { message: 'Ed25519 public key is not 32 octets', kind: 'input' },
  ERR_CRYPTO_BAD_RSA_KEY: {
    message: 'RSA public key is malformed (modulus not positive and odd, or exponent not odd, above 1 and below 2^64)',
    kind: 'input',
  },
  ERR_CRYPTO_RSA_KEY_TOO_SMALL: { message: 'RSA modulus is shorter than 2048 bits', kind: 'invalid' },
  ERR_CRYPTO_RSA_KEY_TOO_LARGE: { message: 'RSA modulus is longer than 8192 bits', kind: 'invalid' },

  // Signatures (X9.62 / RFC 5480 ECDSA-Sig-Value, RFC 8032 5.1.7, RFC 8017 8.2.2 and 8.1.2)
  ERR_CRYPTO_KEY_ALGORITHM_MISMATCH: {
    message: 'public key type does not match the signature algorithm',
    kind: 'invalid',
  },
  ERR_CRYPTO_CURVE_HASH_MISMATCH: {
    message: 'ECDSA hash does not match the curve (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512)',
    kind: 'invalid',
  },
  ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER: {
    message: 'ECDSA signature is not a DER SEQUENCE of two minimal INTEGERs',
    kind: 'input',
  },
  ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE: {
    message: 'ECDSA signature r or s is not in [1, n-1] for the curve order n',
    kind: 'input',
  },
  ERR_CRYPTO_BAD_ED25519_SIGNATURE: { message: 'Ed25519 signature is not 64 octets', kind: 'input' },
  ERR_CRYPTO_ED25519_SIGNATURE_NOT_CANONICAL: {
    message: 'Ed25519 signature S is not below the group order L',
    kind: 'input',
  },
  ERR_CRYPTO_BAD_RSA_SIGNATURE: {
    message: 'RSA signature length differs from the modulus length',
    kind: 'input',
  },
  ERR_CRYPTO_SIGNATURE_INVALID: { message: 'signature verification failed', kind: 'invalid' },

  // Signing
  ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY: {
    message: 'private key type cannot sign for Keyline (ECDSA P-256/P-384/P-521 or Ed25519 only)',
    kind: 'invalid',
  },
  ERR_CRYPTO_OPERATION_FAILED: { message: 'the cryptographic library failed unexpectedly', kind: 'internal' },
} as const satisfies Record<string, ErrorSpec>;
