/**
 * Certificate policy processing of RFC 5280 section 6.1 (6.1.2 initialisation, 6.1.3 (d)-(f),
 * 6.1.4 (a), (b), (h)-(j), 6.1.5 (a), (b), (g)), computed on the RFC 9618 policy graph with a
 * bound on the size of RFC 5280's equivalent tree. Pure: inputs are decoded extensions.
 */
export { validatePolicies } from './validate.js';
export { policyInputOf } from './certificate.js';
export {
  ANY_POLICY,
  DEFAULT_POLICY_LIMITS,
  type PolicyCertificateInput,
  type PolicyErrorCode,
  type PolicyLimits,
  type PolicyOptions,
  type PolicyResult,
} from './types.js';
