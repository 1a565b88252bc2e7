import { NO_EXPIRATION } from '../../../x509/der/time.js';
import type { LintRule } from '../types.js';

/** KECP 4.4: only device IDevIDs may use IEEE 802.1AR's "no well-defined expiration", 99991231235959Z. */
export const noExpirationRule: LintRule = {
  id: 'kecp.no-expiration',
  severity: 'error',
  clause: 'KECP 4.4',
  description: 'Only a device IDevID may have notAfter 99991231235959Z.',
  appliesTo: (profile) => !profile.validity.allowNoExpiration,
  check(cert, profile) {
    return cert.notAfter.getTime() === NO_EXPIRATION.getTime()
      ? `notAfter is 99991231235959Z (no expiration), which the ${profile.title} profile does not allow`
      : undefined;
  },
};
