import { OID } from '../../../x509/oids.js';
import { basicConstraintsOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const caSubjectKeyIdentifierRule: LintRule = {
  id: 'rfc5280.ca-subject-key-identifier',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.2',
  description: 'A CA certificate carries subjectKeyIdentifier.',
  appliesTo: everyProfile,
  check(cert) {
    if (basicConstraintsOf(cert)?.ca !== true) return undefined;
    return cert.extension(OID.subjectKeyIdentifier) === undefined
      ? 'CA certificate has no subjectKeyIdentifier'
      : undefined;
  },
};
