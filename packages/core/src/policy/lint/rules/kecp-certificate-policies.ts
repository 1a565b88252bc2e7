import { certificatePoliciesOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { algorithmName } from '../names.js';

/**
 * KECP 4.8: certificatePolicies asserts at least one of the profile's Keyline policies and nothing
 * else, anyPolicy included, so every path under the ecosystem root stays inside its policies.
 */
export const certificatePoliciesRule: LintRule = {
  id: 'kecp.certificate-policies',
  severity: 'error',
  clause: 'KECP 4.8',
  description: "certificatePolicies asserts one of the profile's Keyline policy OIDs and no other policy.",
  appliesTo: (profile) => profile.policies !== undefined,
  check(cert, profile) {
    const policies = certificatePoliciesOf(cert);
    const allowed = profile.policies?.allowed;
    if (policies === undefined || allowed === undefined) return undefined;
    const problems: string[] = [];
    for (const { policyId } of policies) {
      if (!allowed.includes(policyId))
        problems.push(`policy ${algorithmName(policyId)} is not allowed in the ${profile.title} profile`);
    }
    if (!policies.some((p) => allowed.includes(p.policyId))) {
      problems.push(`the ${profile.title} profile requires policy ${allowed.join(' or ')}`);
    }
    return problems;
  },
};
