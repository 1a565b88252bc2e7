import { keyUsageOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/** RFC 5280 4.2.1.3: encipherOnly and decipherOnly mean something only together with keyAgreement. */
export const keyAgreementOnlyBitsRule: LintRule = {
  id: 'rfc5280.key-agreement-only-bits',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.3',
  description: 'encipherOnly and decipherOnly are asserted only with keyAgreement, and not both.',
  appliesTo: everyProfile,
  check(cert) {
    const ku = keyUsageOf(cert);
    if (ku === undefined) return undefined;
    const problems: string[] = [];
    for (const bit of ['encipherOnly', 'decipherOnly'] as const) {
      if (ku.has(bit) && !ku.has('keyAgreement')) problems.push(`keyUsage asserts ${bit} without keyAgreement`);
    }
    if (ku.has('encipherOnly') && ku.has('decipherOnly'))
      problems.push('keyUsage asserts both encipherOnly and decipherOnly');
    return problems;
  },
};
