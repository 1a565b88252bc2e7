import { encodeSignatureAlgorithm } from '../crypto/algorithms.js';
import type { Signer } from '../crypto/signer.js';
import { fail } from '../errors/keyline-error.js';
import { assertLintClean, certificateFromTbs } from '../policy/lint/lint.js';
import type { Finding } from '../policy/lint/types.js';
import type { Profile, ProfileName } from '../policy/profiles/types.js';
import { Certificate } from '../x509/certificate/certificate.js';
import { assembleCertificate, buildTbsCertificate, type CertificateFields } from '../x509/certificate/builder.js';

export interface IssuedCertificate {
  readonly certificate: Certificate;
  /** Warnings and notices the linter left (errors refuse the issuance instead). */
  readonly findings: readonly Finding[];
}

/**
 * The signing half of the issuance cycle (DESIGN.md, "Habits"): build the TBS, lint it against
 * `profile` (an error finding refuses with ERR_POLICY_LINT_FAILED, before anything is signed), sign
 * exactly those bytes once, and check the signed certificate carries byte-identical TBS bytes.
 * Persisting the serial and the TBS around these steps is the CA's work (keyline/ca).
 */
export async function issueCertificate(
  fields: CertificateFields,
  profile: ProfileName | Profile,
  signer: Signer,
): Promise<IssuedCertificate> {
  const signatureAlgorithm = encodeSignatureAlgorithm(signer.algorithm);
  const tbs = buildTbsCertificate({ ...fields, signatureAlgorithm });
  const findings = assertLintClean(certificateFromTbs(tbs), profile);
  const signature = await signer.sign(tbs);
  const certificate = Certificate.fromDer(assembleCertificate(tbs, signatureAlgorithm, signature));
  if (Buffer.compare(certificate.tbs, tbs) !== 0)
    fail('ERR_X509_BUILD_INVALID', 'signed TBS differs from the linted TBS');
  return { certificate, findings };
}
