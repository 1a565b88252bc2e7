import { extKeyUsageOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { algorithmName } from '../names.js';

/**
 * KECP 4.9: extKeyUsage lists the profile's required purposes and no other (LDevID clientAuth,
 * OCSP signer OCSPSigning; anyExtendedKeyUsage never).
 */
export const extKeyUsageRule: LintRule = {
  id: 'kecp.ext-key-usage',
  severity: 'error',
  clause: 'KECP 4.9',
  description: 'extKeyUsage lists every purpose the profile requires and none it does not allow.',
  appliesTo: (profile) => profile.extKeyUsage !== undefined,
  check(cert, profile) {
    const eku = extKeyUsageOf(cert);
    const rule = profile.extKeyUsage;
    if (eku === undefined || rule === undefined) return undefined;
    const problems: string[] = [];
    for (const purpose of rule.required) {
      if (!eku.includes(purpose))
        problems.push(`extKeyUsage lacks ${algorithmName(purpose)}, which the ${profile.title} profile requires`);
    }
    for (const purpose of eku) {
      if (!rule.required.includes(purpose) && !rule.optional.includes(purpose)) {
        problems.push(`extKeyUsage lists ${algorithmName(purpose)}, which the ${profile.title} profile does not allow`);
      }
    }
    return problems;
  },
};
