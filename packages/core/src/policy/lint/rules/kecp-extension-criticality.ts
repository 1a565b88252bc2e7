import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { extensionName } from '../names.js';

/** Extensions whose criticality an rfc5280.* rule already judges, so one defect gives one finding. */
const JUDGED_BY_RFC_RULES: ReadonlySet<string> = new Set([
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.nameConstraints,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.authorityInfoAccess,
]);

/**
 * KECP 4.5: each extension carries the critical flag its profile gives (keyUsage critical,
 * certificatePolicies, extKeyUsage and subjectAltName non-critical, …), beyond what RFC 5280 itself
 * mandates (reported by the rfc5280.* rules).
 */
export const extensionCriticalityRule: LintRule = {
  id: 'kecp.extension-criticality',
  severity: 'error',
  clause: 'KECP 4.5',
  description: 'Each extension is critical or not as the profile says.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const problems: string[] = [];
    for (const ext of cert.extensions) {
      if (JUDGED_BY_RFC_RULES.has(ext.oid)) continue;
      // A CA's basicConstraints criticality is rfc5280.basic-constraints-critical's.
      if (profile.ca && ext.oid === OID.basicConstraints) continue;
      const rule = profile.extensions[ext.oid];
      if (rule === undefined || rule.critical === 'either' || rule.critical === ext.critical) continue;
      problems.push(
        `extension ${extensionName(ext.oid)} must be ${rule.critical ? 'critical' : 'non-critical'} in the ${profile.title} profile`,
      );
    }
    return problems;
  },
};
