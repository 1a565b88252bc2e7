import { authorityKeyIdentifierOf, subjectKeyIdentifierOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { isSelfIssued, sameBytes } from '../helpers.js';

/** KECP 5.1: the root is self-issued, and an authorityKeyIdentifier, if any, names its own key. */
export const rootSelfIssuedRule: LintRule = {
  id: 'kecp.root-self-issued',
  severity: 'error',
  clause: 'KECP 5.1',
  description:
    "The root's issuer equals its subject, and its authorityKeyIdentifier (if any) equals its subjectKeyIdentifier.",
  appliesTo: (profile) => profile.selfSigned,
  check(cert) {
    const problems: string[] = [];
    if (!isSelfIssued(cert)) problems.push('root issuer differs from its subject; a root is self-signed');
    const aki = authorityKeyIdentifierOf(cert)?.keyIdentifier;
    const ski = subjectKeyIdentifierOf(cert);
    if (aki !== undefined && ski !== undefined && !sameBytes(aki, ski)) {
      problems.push('root authorityKeyIdentifier differs from its own subjectKeyIdentifier');
    }
    return problems;
  },
};
