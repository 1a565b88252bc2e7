import { describe, expect, it } from 'vitest';
import { namesEqual } from '../../../src/x509/name/compare.js';
import { policyInputOf, validatePolicies } from '../../../src/trust/policy/index.js';
import { pkitsPath, pkitsTests } from './pkits-data.js';

/**
 * PKITS 4.8 to 4.12 (certificate policies, requireExplicitPolicy, policy mappings,
 * inhibitPolicyMapping, inhibitAnyPolicy) fail, when they fail, for policy reasons only. Running
 * policy processing alone over their paths must give every expected verdict, with each run's
 * initial inputs.
 */
describe('policy processing over the PKITS 4.8-4.12 paths', () => {
  const tests = pkitsTests(['4.8', '4.9', '4.10', '4.11', '4.12']);

  it('covers the 94 runs of those sections', () => {
    expect(tests.length).toBe(94);
  });

  it.each(tests.map((t) => [t.key, t.name, t] as const))('%s %s', (_key, _name, test) => {
    const path = pkitsPath(test).map((cert) => policyInputOf(cert, namesEqual(cert.issuer, cert.subject)));
    const result = validatePolicies(path, {
      initialPolicySet: test.settings.initial_policy_set,
      initialExplicitPolicy: test.settings.initial_explicit_policy,
      initialPolicyMappingInhibit: test.settings.initial_policy_mapping_inhibit,
      initialAnyPolicyInhibit: test.settings.initial_any_policy_inhibit,
    });
    expect(result.ok ? 'valid' : `invalid (${result.code}: ${result.message})`).toMatch(
      new RegExp(`^${test.expected}`),
    );
  });
});
