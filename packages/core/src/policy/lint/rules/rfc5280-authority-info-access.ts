import { OID } from '../../../x509/oids.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const authorityInfoAccessRule: LintRule = {
  id: 'rfc5280.authority-info-access',
  severity: 'error',
  clause: 'RFC 5280 4.2.2.1',
  description: 'authorityInfoAccess is non-critical.',
  appliesTo: everyProfile,
  check(cert) {
    return cert.extension(OID.authorityInfoAccess)?.critical ? 'authorityInfoAccess is marked critical' : undefined;
  },
};
