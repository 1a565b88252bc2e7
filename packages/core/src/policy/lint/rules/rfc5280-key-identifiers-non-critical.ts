import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const keyIdentifiersNonCriticalRule: LintRule = {
  id: 'rfc5280.key-identifiers-non-critical',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.1, 4.2.1.2',
  description: 'authorityKeyIdentifier and subjectKeyIdentifier are non-critical.',
  appliesTo: everyProfile,
  check(cert) {
    const problems: string[] = [];
    if (cert.extension(OID.authorityKeyIdentifier)?.critical)
      problems.push('authorityKeyIdentifier is marked critical');
    if (cert.extension(OID.subjectKeyIdentifier)?.critical) problems.push('subjectKeyIdentifier is marked critical');
    return problems;
  },
};
