import { signatureAlgorithmOf } from '../../crypto/algorithms.js';
import type { PublicKeyInfo } from '../../crypto/public-key.js';
import { verifySignature, type VerifyOptions } from '../../crypto/verify.js';
import type { CertificateRevocationList } from './certificate-revocation-list.js';

/**
 * Checks a CRL's signature over its exact TBSCertList bytes with the issuer's public key (its
 * SubjectPublicKeyInfo DER or a decoded `PublicKeyInfo`). Returns false for a well-formed signature
 * that does not verify; throws a KeylineError (ERR_CRYPTO_*) for an unsupported algorithm, a bad key
 * or a malformed signature. Whether that key may sign CRLs (cRLSign, RFC 5280 6.3.3) is trust/'s check.
 */
export function verifyCrlSignature(
  crl: CertificateRevocationList,
  issuerPublicKey: Uint8Array | PublicKeyInfo,
  options: VerifyOptions = {},
): boolean {
  return verifySignature(
    {
      algorithm: signatureAlgorithmOf(crl.signatureAlgorithm),
      publicKey: issuerPublicKey,
      data: crl.tbs,
      signature: crl.signatureValue,
    },
    options,
  );
}
