import { basicConstraintsOf, keyUsageOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

/**
 * keyCertSign if and only if cA: RFC 5280 4.2.1.9 ("If the keyCertSign bit is asserted, then the
 * cA bit in the basic constraints extension MUST also be asserted") and 4.2.1.3 (a CA's keyUsage,
 * when present, asserts keyCertSign).
 */
export const keyCertSignRule: LintRule = {
  id: 'rfc5280.key-cert-sign',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.3, 4.2.1.9',
  description: 'keyUsage asserts keyCertSign exactly when basicConstraints asserts cA.',
  appliesTo: everyProfile,
  check(cert) {
    const ku = keyUsageOf(cert);
    if (ku === undefined) return undefined;
    const ca = basicConstraintsOf(cert)?.ca === true;
    if (ku.has('keyCertSign') && !ca) return 'keyUsage asserts keyCertSign but basicConstraints does not assert cA';
    if (!ku.has('keyCertSign') && ca) return 'basicConstraints asserts cA but keyUsage does not assert keyCertSign';
    return undefined;
  },
};
