import type { Certificate } from '../x509/certificate/certificate.js';

/**
 * What the policy reads of a certificate: every TBSCertificate field, never the signature.
 *
 * A {@link Certificate} is one. So is a certificate whose signature is only a placeholder, which
 * is how issuance lints the TBS before it is signed (DESIGN.md, "the issuance cycle"):
 * `lintTbs` wraps the TBS bytes with an empty signature and parses that. Because nothing here
 * reads `signatureValue`, `der` or the fingerprint, the findings for a TBS and for the certificate
 * later signed over it are the same, and a faster view of a TBS (the template encoder's) can be
 * linted by implementing this interface directly.
 *
 * `decoded(oid, decode)` must memoise per OID, as Certificate's does: the rules of one lint run
 * share each decoded extension.
 */
export type LintTarget = Pick<
  Certificate,
  | 'tbs'
  | 'version'
  | 'serialNumber'
  | 'signatureAlgorithm'
  | 'issuer'
  | 'subject'
  | 'notBefore'
  | 'notAfter'
  | 'spki'
  | 'publicKeyAlgorithm'
  | 'publicKey'
  | 'issuerUniqueId'
  | 'subjectUniqueId'
  | 'extensions'
  | 'extension'
  | 'decoded'
>;
