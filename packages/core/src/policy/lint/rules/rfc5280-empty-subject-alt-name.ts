import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * RFC 5280 4.1.2.6 and 4.2.1.6: a certificate whose subject is empty names its subject only in
 * subjectAltName, which must then be present and critical.
 */
export const emptySubjectAltNameRule: LintRule = {
  id: 'rfc5280.empty-subject-alt-name',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.6',
  description: 'An empty subject requires a critical subjectAltName.',
  appliesTo: everyProfile,
  check(cert) {
    if (cert.subject.rdns.length > 0) return undefined;
    const san = cert.extension(OID.subjectAltName);
    if (san === undefined) return 'subject is empty and there is no subjectAltName';
    if (!san.critical) return 'subject is empty but subjectAltName is not critical';
    return undefined;
  },
};
