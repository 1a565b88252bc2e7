/**
 * The cryptography layer of @keyline/core: signature algorithm identifiers, strict public key
 * decoding, signature verification and the `Signer` port, all over node:crypto (OpenSSL).
 */
export {
  ECDSA_SHA256,
  ECDSA_SHA384,
  ECDSA_SHA512,
  ED25519,
  RSA_PKCS1_SHA256,
  RSA_PKCS1_SHA384,
  RSA_PKCS1_SHA512,
  encodeSignatureAlgorithm,
  keyAlgorithmOf,
  parseAlgorithmIdentifier,
  parseSignatureAlgorithm,
  readAlgorithmIdentifier,
  readSignatureAlgorithm,
  signatureAlgorithmByName,
  signatureAlgorithmOf,
  type AlgorithmIdentifier,
  type EcdsaAlgorithm,
  type Ed25519Algorithm,
  type RsaPkcs1Algorithm,
  type RsaPssAlgorithm,
  type SignatureAlgorithm,
  type SignerAlgorithm,
} from './algorithms.js';
export { CURVES, curveByOid, type CurveName, type CurveSpec, type HashName } from './curves.js';
export { digest, keyIdentifier, keyIdentifierFromSpki, sha1, sha256, type KeyIdentifierMethod } from './hash.js';
export { DEFAULT_KEY_OBJECT_CACHE_CAPACITY, clearKeyObjectCache, setKeyObjectCacheCapacity } from './key-import.js';
export {
  RSA_MAX_BITS,
  RSA_MIN_BITS,
  parsePublicKeyInfo,
  readPublicKeyInfo,
  type EcPublicKeyInfo,
  type Ed25519PublicKeyInfo,
  type KeyAlgorithm,
  type PublicKeyInfo,
  type PublicKeyParseOptions,
  type RsaPublicKeyInfo,
} from './public-key.js';
export {
  ED25519_ORDER,
  checkEcdsaSignature,
  checkEd25519Signature,
  ecdsaSignatureFromRaw,
  ecdsaSignatureToRaw,
} from './signature-format.js';
export {
  encodeSpki,
  generateSigner,
  isSyncSigner,
  softwareSigner,
  type Signer,
  type SoftwareSigner,
  type SoftwareSignerOptions,
  type SyncSigner,
} from './signer.js';
export {
  assertSignature,
  checkSignature,
  verifySignature,
  type SignatureCheck,
  type VerifyOptions,
  type VerifyRequest,
} from './verify.js';
export { hashBytes, hashHex } from './one-shot-hash.js';
