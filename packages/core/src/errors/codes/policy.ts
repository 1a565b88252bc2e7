import type { ErrorSpec } from '../spec.js';

/** Failures of the ecosystem certificate policy (policy/). */
export const POLICY_ERRORS = {
  ERR_POLICY_UNKNOWN_PROFILE: { message: 'no certificate profile has this name', kind: 'input' },
  ERR_POLICY_LINT_FAILED: { message: 'the certificate does not conform to its profile', kind: 'invalid' },
} as const satisfies Record<string, ErrorSpec>;
