import { signatureAlgorithmOf } from '../../crypto/algorithms.js';
import type { PublicKeyInfo } from '../../crypto/public-key.js';
import { verifySignature, type VerifyOptions } from '../../crypto/verify.js';
import type { BasicOcspResponse } from './ocsp-response.js';

/**
 * Checks a basic OCSP response's signature over its exact ResponseData bytes with the responder's
 * public key (SPKI DER or decoded). Returns false for a well-formed signature that does not verify;
 * throws a KeylineError (ERR_CRYPTO_*) for an unsupported algorithm, a bad key or a malformed
 * signature. Whether the responder is authorised (the CA itself, or a delegate with id-kp-OCSPSigning
 * issued by it, RFC 6960 4.2.2.2) and matches `responderId` is trust/'s check.
 */
export function verifyOcspResponseSignature(
  basic: BasicOcspResponse,
  responderPublicKey: Uint8Array | PublicKeyInfo,
  options: VerifyOptions = {},
): boolean {
  return verifySignature(
    {
      algorithm: signatureAlgorithmOf(basic.signatureAlgorithm),
      publicKey: responderPublicKey,
      data: basic.tbs,
      signature: basic.signatureValue,
    },
    options,
  );
}
