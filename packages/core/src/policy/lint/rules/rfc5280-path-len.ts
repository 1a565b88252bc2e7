import { basicConstraintsOf, keyUsageOf } from '../../decoded.js';
import type { LintRule } from '../types.js';
import { everyProfile } from '../helpers.js';

export const pathLenRule: LintRule = {
  id: 'rfc5280.path-len',
  severity: 'error',
  clause: 'RFC 5280 4.2.1.9',
  description: 'pathLenConstraint appears only when cA is asserted and keyUsage (if present) asserts keyCertSign.',
  appliesTo: everyProfile,
  check(cert) {
    const bc = basicConstraintsOf(cert);
    if (bc?.pathLen === undefined) return undefined;
    if (!bc.ca) return 'pathLenConstraint is present but cA is not asserted';
    const ku = keyUsageOf(cert);
    if (ku !== undefined && !ku.has('keyCertSign'))
      return 'pathLenConstraint is present but keyUsage lacks keyCertSign';
    return undefined;
  },
};
