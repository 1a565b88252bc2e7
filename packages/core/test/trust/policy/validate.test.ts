import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANY_POLICY,
  validatePolicies,
  type PolicyCertificateInput,
  type PolicyOptions,
} from '../../../src/trust/policy/index.js';
import type { PolicyConstraints, PolicyMapping } from '../../../src/x509/extensions/types.js';
import { rfc5280Tree } from './rfc5280-tree.js';

// The NIST test policies PKITS uses (2.16.840.1.101.3.2.1.48.x).
const P1 = '2.16.840.1.101.3.2.1.48.1';
const P2 = '2.16.840.1.101.3.2.1.48.2';
const P3 = '2.16.840.1.101.3.2.1.48.3';
const P4 = '2.16.840.1.101.3.2.1.48.4';
const ANY = ANY_POLICY;

interface CertSpec {
  policies?: string[];
  mappings?: [string, string][];
  constraints?: PolicyConstraints;
  inhibitAny?: number;
  selfIssued?: boolean;
}

function cert(spec: CertSpec): PolicyCertificateInput {
  return {
    certificatePolicies: spec.policies?.map((policyId) => ({ policyId })),
    policyMappings: spec.mappings?.map(([issuerDomainPolicy, subjectDomainPolicy]): PolicyMapping => ({
      issuerDomainPolicy,
      subjectDomainPolicy,
    })),
    policyConstraints: spec.constraints,
    inhibitAnyPolicy: spec.inhibitAny,
    isSelfIssued: spec.selfIssued ?? false,
  };
}

function run(specs: CertSpec[], options?: PolicyOptions): string {
  const result = validatePolicies(specs.map(cert), options);
  return result.ok ? 'ok' : result.code;
}

describe('validatePolicies (RFC 5280 6.1.2-6.1.5 on the RFC 9618 graph)', () => {
  it('accepts a path without any policy when nothing requires one (6.1.3 (e))', () => {
    const result = validatePolicies([cert({}), cert({})]);
    expect(result).toEqual({
      ok: true,
      authoritiesConstrainedPolicySet: [],
      userConstrainedPolicySet: [],
      endEntityPolicies: [],
      explicitPolicy: false,
    });
    expect(
      run(
        [cert({}), cert({})].map(() => ({})),
        { initialExplicitPolicy: true },
      ),
    ).toBe('ERR_POLICY_NO_VALID_POLICY');
  });

  it('reports the policies of a single-policy path (PKITS 4.8.1)', () => {
    const path = [{ policies: [P1] }, { policies: [P1] }];
    expect(validatePolicies(path.map(cert))).toEqual({
      ok: true,
      authoritiesConstrainedPolicySet: [P1],
      userConstrainedPolicySet: [P1],
      endEntityPolicies: [P1],
      explicitPolicy: false,
    });
    expect(validatePolicies(path.map(cert), { initialPolicySet: [P1], initialExplicitPolicy: true })).toMatchObject({
      ok: true,
      userConstrainedPolicySet: [P1],
      explicitPolicy: true,
    });
    expect(run(path, { initialPolicySet: [P2], initialExplicitPolicy: true })).toBe('ERR_POLICY_NO_VALID_POLICY');
    // Without explicit policy a mismatch is not an error: the user set is just empty.
    expect(validatePolicies(path.map(cert), { initialPolicySet: [P2] })).toMatchObject({
      ok: true,
      userConstrainedPolicySet: [],
    });
  });

  it('fails at the certificate that empties the tree once explicit policy is required (6.1.3 (f))', () => {
    const result = validatePolicies([
      cert({ policies: [P1], constraints: { requireExplicitPolicy: 0 } }),
      cert({ policies: [P2] }),
      cert({ policies: [P2] }),
    ]);
    expect(result).toMatchObject({ ok: false, code: 'ERR_POLICY_NO_VALID_POLICY', certificateIndex: 2 });
  });

  it('counts requireExplicitPolicy in non-self-issued certificates (PKITS 4.9)', () => {
    const ca = (skip: number): CertSpec => ({ policies: [P1], constraints: { requireExplicitPolicy: skip } });
    // requireExplicitPolicy 2 in CA1: CA2 and CA3 without policies leave the EE needing one.
    expect(run([ca(2), {}, {}, { policies: [P1] }])).toBe('ERR_POLICY_NO_VALID_POLICY');
    expect(run([ca(3), {}, {}, {}])).toBe('ERR_POLICY_NO_VALID_POLICY'); // 6.1.5 (a) counts the end entity too
    expect(run([ca(4), {}, {}, {}])).toBe('ok');
    // A self-issued certificate does not count (PKITS 4.9.6 / 4.9.7).
    expect(run([ca(1), { policies: [P1], selfIssued: true }, { policies: [P1] }])).toBe('ok');
    expect(run([ca(2), { policies: [P1], selfIssued: true }, {}])).toBe('ok');
    expect(run([ca(2), { policies: [P1], selfIssued: false }, {}])).toBe('ERR_POLICY_NO_VALID_POLICY');
  });

  it('maps policies (6.1.4 (b)(1), PKITS 4.10.1)', () => {
    const path = [{ policies: [P1], mappings: [[P1, P2]] as [string, string][] }, { policies: [P2] }];
    expect(validatePolicies(path.map(cert), { initialPolicySet: [P1] })).toEqual({
      ok: true,
      authoritiesConstrainedPolicySet: [P1],
      userConstrainedPolicySet: [P1],
      endEntityPolicies: [P2],
      explicitPolicy: false,
    });
    // The user set is in the trust anchor's domain: P2 is not asserted there.
    expect(run(path, { initialPolicySet: [P2], initialExplicitPolicy: true })).toBe('ERR_POLICY_NO_VALID_POLICY');
    // With mapping inhibited, the mapped policy is deleted (6.1.4 (b)(2)).
    expect(run(path, { initialPolicyMappingInhibit: true, initialExplicitPolicy: true })).toBe(
      'ERR_POLICY_NO_VALID_POLICY',
    );
  });

  it('maps from a policy the CA asserts only through anyPolicy (6.1.4 (b)(1), PKITS 4.10.9)', () => {
    const path = [{ policies: [ANY], mappings: [[P1, P2]] as [string, string][] }, { policies: [P2] }];
    expect(validatePolicies(path.map(cert), { initialExplicitPolicy: true })).toMatchObject({
      ok: true,
      authoritiesConstrainedPolicySet: [P1],
      endEntityPolicies: [P2],
    });
  });

  it('refuses anyPolicy in a mapping (6.1.4 (a), PKITS 4.10.7 and 4.10.8)', () => {
    expect(run([{ policies: [P1], mappings: [[ANY, P2]] }, { policies: [P2] }])).toBe('ERR_POLICY_ANY_POLICY_MAPPING');
    expect(run([{ policies: [P1], mappings: [[P1, ANY]] }, { policies: [P2] }])).toBe('ERR_POLICY_ANY_POLICY_MAPPING');
    const result = validatePolicies([
      cert({ policies: [P1] }),
      cert({ policies: [P1], mappings: [[P1, ANY]] }),
      cert({ policies: [P1] }),
    ]);
    expect(result).toMatchObject({ ok: false, certificateIndex: 2 });
  });

  it('applies inhibitPolicyMapping (PKITS 4.11)', () => {
    const mapsP1toP2: CertSpec = { policies: [P1], mappings: [[P1, P2]] };
    // inhibitPolicyMapping 0 in CA1: CA2's mapping deletes P1 and the path has no policy left.
    expect(
      run([{ policies: [P1], constraints: { inhibitPolicyMapping: 0 } }, mapsP1toP2, { policies: [P2] }], {
        initialExplicitPolicy: true,
      }),
    ).toBe('ERR_POLICY_NO_VALID_POLICY');
    expect(
      run([{ policies: [P1], constraints: { inhibitPolicyMapping: 1 } }, mapsP1toP2, { policies: [P2] }], {
        initialExplicitPolicy: true,
      }),
    ).toBe('ok');
  });

  it('applies inhibitAnyPolicy, except to self-issued intermediates (PKITS 4.12)', () => {
    expect(run([{ policies: [P1], inhibitAny: 0 }, { policies: [ANY] }], { initialExplicitPolicy: true })).toBe(
      'ERR_POLICY_NO_VALID_POLICY',
    );
    expect(
      run([{ policies: [P1], inhibitAny: 1 }, { policies: [ANY] }, { policies: [P1] }], {
        initialExplicitPolicy: true,
      }),
    ).toBe('ok');
    expect(
      run([{ policies: [P1], inhibitAny: 1 }, { policies: [ANY] }, { policies: [ANY] }], {
        initialExplicitPolicy: true,
      }),
    ).toBe('ERR_POLICY_NO_VALID_POLICY');
    expect(
      run([{ policies: [P1], inhibitAny: 0 }, { policies: [ANY], selfIssued: true }, { policies: [P1] }], {
        initialExplicitPolicy: true,
      }),
    ).toBe('ok');
    expect(run([{ policies: [ANY] }], { initialAnyPolicyInhibit: true, initialExplicitPolicy: true })).toBe(
      'ERR_POLICY_NO_VALID_POLICY',
    );
  });

  it('intersects with the user-initial-policy-set, anyPolicy at depth n standing for all of it (6.1.5 (g)(iii))', () => {
    expect(
      validatePolicies([cert({ policies: [ANY] }), cert({ policies: [ANY] })], { initialPolicySet: [P1, P3] }),
    ).toEqual({
      ok: true,
      authoritiesConstrainedPolicySet: [ANY],
      userConstrainedPolicySet: [P1, P3],
      endEntityPolicies: [P1, P3],
      explicitPolicy: false,
    });
    expect(
      validatePolicies([cert({ policies: [P1, P2, P3] }), cert({ policies: [P1, P2, P4] })], {
        initialPolicySet: [P2, P3],
      }),
    ).toMatchObject({
      authoritiesConstrainedPolicySet: [P1, P2],
      userConstrainedPolicySet: [P2],
      endEntityPolicies: [P2],
    });
    // An empty initial set accepts nothing.
    expect(run([{ policies: [ANY] }], { initialPolicySet: [], initialExplicitPolicy: true })).toBe(
      'ERR_POLICY_NO_VALID_POLICY',
    );
  });

  it('applies requireExplicitPolicy 0 in the end entity (6.1.5 (b))', () => {
    expect(
      run([{ policies: [P1] }, { policies: [P1], constraints: { requireExplicitPolicy: 0 } }], {
        initialPolicySet: [P2],
      }),
    ).toBe('ERR_POLICY_NO_VALID_POLICY');
  });

  it('refuses a policy named twice in one certificate', () => {
    expect(run([{ policies: [P1, P1] }])).toBe('ERR_POLICY_DUPLICATE_POLICY');
  });

  it('rejects misuse with TypeError', () => {
    expect(() => validatePolicies([])).toThrow(TypeError);
    expect(() => validatePolicies([cert({})], {}, { maxTreeNodes: 0 })).toThrow(TypeError);
  });

  describe('policy-mapping trees that would grow without bound (issue 2 section 6)', () => {
    /** k policies per CA, each mapped to all k: RFC 5280's tree multiplies by k at every CA. */
    function mesh(k: number, cas: number): PolicyCertificateInput[] {
      const ids = Array.from({ length: k }, (_, i) => `1.3.6.1.4.1.99999.7.${i}`);
      const mappings = ids.flatMap((from) => ids.map((to): [string, string] => [from, to]));
      return [...Array.from({ length: cas }, () => cert({ policies: ids, mappings })), cert({ policies: ids })];
    }

    it('refuses with ERR_POLICY_TREE_TOO_LARGE, quickly', () => {
      const started = performance.now();
      const result = validatePolicies(mesh(8, 5));
      expect(result).toMatchObject({ ok: false, code: 'ERR_POLICY_TREE_TOO_LARGE' });
      // 8 + 64 + 512 + 4096: the fourth CA's level passes 4096 nodes.
      expect(!result.ok && result.certificateIndex).toBe(4);
      expect(performance.now() - started).toBeLessThan(200);
      // Far beyond any tree a naive validator could build: 64^10 nodes, refused as fast.
      expect(validatePolicies(mesh(64, 10))).toMatchObject({ ok: false, code: 'ERR_POLICY_TREE_TOO_LARGE' });
    });

    it('gives the RFC answer when the limit allows the tree, without building it', () => {
      const result = validatePolicies(mesh(8, 5), {}, { maxTreeNodes: 1_000_000 });
      expect(result).toMatchObject({
        ok: true,
        endEntityPolicies: Array.from({ length: 8 }, (_, i) => `1.3.6.1.4.1.99999.7.${i}`).sort(),
      });
      expect(validatePolicies(mesh(3, 3))).toMatchObject({ ok: true });
    });
  });

  it('property: agrees with a literal RFC 5280 valid_policy_tree on random small paths', () => {
    const policy = fc.constantFrom(P1, P2, P3, ANY);
    const specArb = fc.record({
      policies: fc.option(fc.uniqueArray(policy, { maxLength: 3 }), { nil: undefined, freq: 4 }),
      mappings: fc.option(
        fc.array(fc.tuple(fc.constantFrom(P1, P2, P3, ANY), fc.constantFrom(P1, P2, P3, ANY)), {
          minLength: 1,
          maxLength: 3,
        }),
        {
          nil: undefined,
          freq: 2,
        },
      ),
      constraints: fc.option(
        fc.record({
          requireExplicitPolicy: fc.option(fc.nat(3), { nil: undefined }),
          inhibitPolicyMapping: fc.option(fc.nat(3), { nil: undefined }),
        }),
        { nil: undefined, freq: 3 },
      ),
      inhibitAny: fc.option(fc.nat(2), { nil: undefined, freq: 3 }),
      selfIssued: fc.boolean(),
    });
    const optionsArb = fc.record({
      initialPolicySet: fc.option(fc.uniqueArray(policy, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      initialExplicitPolicy: fc.boolean(),
      initialPolicyMappingInhibit: fc.boolean(),
      initialAnyPolicyInhibit: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 5 }), optionsArb, (specs, options) => {
        const path = specs.map((s) =>
          cert({
            ...(s.policies === undefined ? {} : { policies: s.policies }),
            ...(s.mappings === undefined ? {} : { mappings: s.mappings }),
            ...(s.constraints === undefined ? {} : { constraints: stripUndefined(s.constraints) }),
            ...(s.inhibitAny === undefined ? {} : { inhibitAny: s.inhibitAny }),
            selfIssued: s.selfIssued,
          }),
        );
        const opts = stripUndefined(options) as PolicyOptions;
        const oracle = rfc5280Tree(path, opts);
        const result = validatePolicies(path, opts);
        expect(result.ok).toBe(oracle.ok);
        if (result.ok) {
          expect(result.endEntityPolicies).toEqual(oracle.endEntity);
          expect(result.authoritiesConstrainedPolicySet).toEqual(oracle.authorities);
        } else {
          expect(result.code).toBe(
            oracle.reason === 'anyPolicyMapping' ? 'ERR_POLICY_ANY_POLICY_MAPPING' : 'ERR_POLICY_NO_VALID_POLICY',
          );
        }
      }),
      { numRuns: 3000 },
    );
  });
});

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
