import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const subjectAltNameCriticalRule: LintRule = {
  id: 'rfc5280.subject-alt-name-critical',
  severity: 'warning',
  clause: 'RFC 5280 4.2.1.6',
  description: 'With a non-empty subject, subjectAltName is non-critical.',
  appliesTo: everyProfile,
  check(cert) {
    if (cert.subject.rdns.length === 0) return undefined;
    return cert.extension(OID.subjectAltName)?.critical
      ? 'subjectAltName is critical although the subject is not empty'
      : undefined;
  },
};
