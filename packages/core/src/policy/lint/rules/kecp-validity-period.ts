import { NO_EXPIRATION } from '../../../x509/der/time.js';
import type { LintRule } from '../types.js';
import { addYears, DAY_MS, everyProfile } from '../helpers.js';

/**
 * KECP 4.4: longest validity per profile (root 25 years, manufacturer CA 20, issuing CA 15, device
 * 25 unless it uses 802.1AR's no-expiration value, LDevID 397 days, OCSP signer 90 days).
 * Years are calendar years from notBefore.
 */
export const validityPeriodRule: LintRule = {
  id: 'kecp.validity-period',
  severity: 'error',
  clause: 'KECP 4.4',
  description: "The validity period is within the profile's limit.",
  appliesTo: everyProfile,
  check(cert, profile) {
    const { maxYears, maxDays } = profile.validity;
    // The no-expiration value is judged by kecp.no-expiration, not measured.
    if (cert.notAfter.getTime() === NO_EXPIRATION.getTime()) return undefined;
    const problems: string[] = [];
    if (maxYears !== undefined && cert.notAfter.getTime() > addYears(cert.notBefore, maxYears).getTime()) {
      problems.push(`validity runs longer than ${maxYears} years, the ${profile.title} limit`);
    }
    if (maxDays !== undefined && cert.notAfter.getTime() - cert.notBefore.getTime() > maxDays * DAY_MS) {
      const days = Math.ceil((cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS);
      problems.push(`validity runs ${days} days; the ${profile.title} limit is ${maxDays} days`);
    }
    return problems;
  },
};
