import { OID } from '../../../x509/oids.js';
import { basicConstraintsOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const basicConstraintsCriticalRule: LintRule = {
  id: 'rfc5280.basic-constraints-critical',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.9',
  description: 'In a CA certificate basicConstraints is marked critical.',
  appliesTo: everyProfile,
  check(cert) {
    if (basicConstraintsOf(cert)?.ca !== true) return undefined;
    return cert.extension(OID.basicConstraints)?.critical
      ? undefined
      : 'basicConstraints asserts cA but is not critical';
  },
};
