import type { Certificate } from '../../../x509/certificate/certificate.js';

/** The revocation status of one certificate. */
export interface RevocationAnswer {
  readonly status: 'good' | 'revoked' | 'unknown';
  /** Why: the revocation reason and date, or why the status could not be established. */
  readonly reason?: string;
}

/**
 * Where `verifyDevice` learns whether a certificate is revoked: a port, so that core stays free of
 * HTTP and storage. Core provides `crlRevocationSource` (given CRLs) and `ocspRevocationSource`
 * (an injected function that fetches OCSP responses); the `keyline` package adds one over its own
 * records. `time` is the verification time.
 */
export interface RevocationSource {
  check(certificate: Certificate, issuer: Certificate, time: Date): Promise<RevocationAnswer> | RevocationAnswer;
}
