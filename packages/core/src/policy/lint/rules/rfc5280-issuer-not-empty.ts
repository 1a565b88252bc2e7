import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const issuerNotEmptyRule: LintRule = {
  id: 'rfc5280.issuer-not-empty',
  severity: 'error',
  clause: 'RFC 5280 4.1.2.4',
  description: 'The issuer field contains a non-empty distinguished name.',
  appliesTo: everyProfile,
  check(cert) {
    return cert.issuer.rdns.length === 0 ? 'issuer is an empty distinguished name' : undefined;
  },
};
