import { OID } from '../../../x509/oids.js';
import { basicConstraintsOf, policyConstraintsOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

const CA_ONLY: readonly [string, string][] = [
  [OID.policyMappings, 'policyMappings'],
  [OID.policyConstraints, 'policyConstraints'],
  [OID.inhibitAnyPolicy, 'inhibitAnyPolicy'],
];

/**
 * RFC 5280 4.2.1.11 and 4.2.1.14: policyConstraints and inhibitAnyPolicy MUST be critical, and
 * policyConstraints MUST NOT be an empty sequence; the three policy-processing extensions belong
 * in CA certificates (4.2.1.5, 4.2.1.11, 4.2.1.14 address them to CAs).
 */
export const policyExtensionsRule: LintRule = {
  id: 'rfc5280.policy-extensions',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.11, 4.2.1.14',
  description:
    'policyConstraints and inhibitAnyPolicy are critical, policyConstraints is not empty, and all three policy-processing extensions are in CA certificates only.',
  appliesTo: everyProfile,
  check(cert) {
    const problems: string[] = [];
    const ca = basicConstraintsOf(cert)?.ca === true;
    for (const [oid, name] of CA_ONLY) {
      if (!ca && cert.extension(oid) !== undefined) problems.push(`${name} appears in a certificate that is not a CA`);
    }
    const pc = cert.extension(OID.policyConstraints);
    if (pc !== undefined) {
      if (!pc.critical) problems.push('policyConstraints is not critical');
      const value = policyConstraintsOf(cert);
      if (value?.requireExplicitPolicy === undefined && value?.inhibitPolicyMapping === undefined) {
        problems.push('policyConstraints is an empty sequence');
      }
    }
    const iap = cert.extension(OID.inhibitAnyPolicy);
    if (iap !== undefined && !iap.critical) problems.push('inhibitAnyPolicy is not critical');
    return problems;
  },
};
