import { signatureAlgorithmOf } from '../../crypto/algorithms.js';
import { verifySignature, type VerifyOptions } from '../../crypto/verify.js';
import type { CertificationRequest } from './certification-request.js';

/**
 * Proof of possession (RFC 2986 section 3, RFC 4211 4.1): checks the request's signature over its
 * exact CertificationRequestInfo bytes with the public key the request itself carries.
 *
 * Returns true when the signature verifies, false when it is well-formed but does not. Throws a
 * KeylineError when the question is malformed: an unsupported or weak signature algorithm
 * (ERR_CRYPTO_*), a public key that fails strict decoding, a key type that does not fit the
 * algorithm, a signature of the wrong form.
 */
export function verifyCsrSignature(csr: CertificationRequest, options: VerifyOptions = {}): boolean {
  return verifySignature(
    {
      algorithm: signatureAlgorithmOf(csr.signatureAlgorithm),
      publicKey: csr.spki,
      data: csr.tbs,
      signature: csr.signatureValue,
    },
    options,
  );
}
