import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const uniqueIdentifiersRule: LintRule = {
  id: 'rfc5280.unique-identifiers',
  severity: 'error',
  clause: 'RFC 5280 4.1.2.8',
  description: 'Conforming CAs do not generate issuerUniqueID or subjectUniqueID.',
  appliesTo: everyProfile,
  check(cert) {
    const present = [
      cert.issuerUniqueId !== undefined ? 'issuerUniqueID' : undefined,
      cert.subjectUniqueId !== undefined ? 'subjectUniqueID' : undefined,
    ].filter((f) => f !== undefined);
    return present.length === 0 ? undefined : `${present.join(' and ')} present; CAs must not generate them`;
  },
};
