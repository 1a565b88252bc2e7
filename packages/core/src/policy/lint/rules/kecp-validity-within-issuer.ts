import { NO_EXPIRATION } from '../../../x509/der/time.js';
import type { LintRule } from '../types.js';

/**
 * KECP 4.4: a certificate's validity lies within its issuer's, so that no certificate outlives the
 * CA that answers for its revocation. A device with the no-expiration value is exempt (802.1AR
 * 8.5 allows it under any issuer). Runs when the issuer is given.
 */
export const validityWithinIssuerRule: LintRule = {
  id: 'kecp.validity-within-issuer',
  severity: 'warning',
  clause: 'KECP 4.4',
  description: "The validity period lies within the issuer's.",
  appliesTo: (profile) => !profile.selfSigned,
  check(cert, _profile, ctx) {
    const issuer = ctx.options.issuer;
    if (issuer === undefined || issuer === cert) return undefined;
    const problems: string[] = [];
    if (cert.notBefore.getTime() < issuer.notBefore.getTime()) {
      problems.push(
        `notBefore ${cert.notBefore.toISOString()} is before the issuer's ${issuer.notBefore.toISOString()}`,
      );
    }
    if (cert.notAfter.getTime() > issuer.notAfter.getTime() && cert.notAfter.getTime() !== NO_EXPIRATION.getTime()) {
      problems.push(`notAfter ${cert.notAfter.toISOString()} is after the issuer's ${issuer.notAfter.toISOString()}`);
    }
    return problems;
  },
};
