import { describe, expect, it } from 'vitest';
import {
  NameConstraintsState,
  nameConstraintsInputOf,
  nameConstraintsOf,
} from '../../../src/trust/name-constraints/index.js';
import { namesEqual } from '../../../src/x509/name/compare.js';
import { pkitsPath, pkitsTests } from '../policy/pkits-data.js';

/**
 * PKITS 4.13 (name constraints) fails, when it fails, for name-constraint reasons only. Running
 * 6.1.3 (b)(c) and 6.1.4 (g) alone over its paths must give every expected verdict.
 */
describe('name-constraint processing over the PKITS 4.13 paths', () => {
  const tests = pkitsTests(['4.13']);

  it('covers the 38 tests of 4.13', () => {
    expect(tests.length).toBe(38);
  });

  it.each(tests.map((t) => [t.key, t.name, t] as const))('%s %s', (_key, _name, test) => {
    const path = pkitsPath(test);
    const state = new NameConstraintsState();
    let verdict = 'valid';
    for (const [i, cert] of path.entries()) {
      const last = i === path.length - 1;
      const selfIssued = namesEqual(cert.issuer, cert.subject);
      const checked = state.check(nameConstraintsInputOf(cert, selfIssued && !last));
      if (!checked.ok) {
        verdict = `invalid (${checked.code} at ${i + 1}: ${checked.message})`;
        break;
      }
      const nc = nameConstraintsOf(cert);
      if (!last && nc !== undefined) {
        const applied = state.apply(nc);
        if (!applied.ok) {
          verdict = `invalid (${applied.code} at ${i + 1}: ${applied.message})`;
          break;
        }
      }
    }
    expect(verdict).toMatch(new RegExp(`^${test.expected}`));
  });
});
