import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const versionRule: LintRule = {
  id: 'kecp.version',
  severity: 'error',
  clause: 'KECP 4.1',
  description: 'Every certificate is X.509 version 3.',
  appliesTo: everyProfile,
  check(cert) {
    return cert.version === 3 ? undefined : `certificate is version ${cert.version}; the policy requires version 3`;
  },
};
