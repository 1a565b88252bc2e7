import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';
import { algorithmName } from '../names.js';

export const signatureAlgorithmRule: LintRule = {
  id: 'kecp.signature-algorithm',
  severity: 'error',
  clause: 'KECP 4.2',
  description: 'The certificate is signed with ecdsa-with-SHA256 or ecdsa-with-SHA384.',
  appliesTo: everyProfile,
  check(cert, profile) {
    const oid = cert.signatureAlgorithm.oid;
    return profile.signatureAlgorithms.includes(oid)
      ? undefined
      : `signature algorithm ${algorithmName(oid)} is not allowed; use ${profile.signatureAlgorithms.map(algorithmName).join(' or ')}`;
  },
};
