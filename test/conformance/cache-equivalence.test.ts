import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ValidationCache,
  verifyChain,
  type Purpose,
  type VerifyChainOptions,
  type VerifyChainResult,
} from '@keyline/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMBO_DIR, limboAvailable, type LimboCase } from './limbo.js';
import { DEFAULT_PKITS_DIR, pkitsAvailable, type PkitsEntry } from './pkits.js';

/**
 * Issue 5 section 2: a ValidationCache changes no verdict. Every x509-limbo case and every PKITS
 * run goes through the built `verifyChain` twice (no cache, then one cache shared by all cases of
 * the suite, so entries made by one case are met by the next), and both answers must be the same
 * down to the code, message, depth and chain. The inputs are built as limbo.ts and pkits.ts build
 * them; those harnesses take no options, so the loop is repeated here.
 */
function view(result: VerifyChainResult): unknown {
  return result.ok ? { ...result, chain: result.chain.map((c) => c.fingerprint) } : result;
}

/** Runs `options` without and with the shared cache; answers the differences, if any. */
async function compare(id: string, options: VerifyChainOptions, cache: ValidationCache): Promise<string[]> {
  const plain = view(await verifyChain(options));
  const cached = view(await verifyChain({ ...options, cache }));
  return JSON.stringify(plain) === JSON.stringify(cached)
    ? []
    : [`${id}: ${JSON.stringify(plain)} vs ${JSON.stringify(cached)}`];
}

const PURPOSE_OF_EKU: Readonly<Record<string, Purpose>> = {
  serverAuth: 'serverAuth',
  clientAuth: 'clientAuth',
  anyExtendedKeyUsage: 'any',
};

describe('a shared ValidationCache changes no verdict', () => {
  it('over every x509-limbo case', async () => {
    expect(limboAvailable()).toBe(true);
    const file = JSON.parse(readFileSync(join(DEFAULT_LIMBO_DIR, 'limbo.json'), 'utf8')) as {
      testcases: LimboCase[];
    };
    const cache = new ValidationCache({ maxEntries: 10_000 });
    const differences: string[] = [];
    for (const c of file.testcases) {
      // Run twice with the cache: the second run meets this case's own entries as well as earlier cases'.
      const options: VerifyChainOptions = {
        leaf: c.peer_certificate,
        intermediates: c.untrusted_intermediates,
        trustAnchors: c.trusted_certs,
        crls: c.crls,
        ...(c.validation_time !== null && { time: c.validation_time }),
        ...(c.max_chain_depth !== null && { maxDepth: c.max_chain_depth }),
        purpose: PURPOSE_OF_EKU[c.extended_key_usage[0] ?? ''] ?? 'any',
      };
      differences.push(...(await compare(c.id, options, cache)), ...(await compare(c.id, options, cache)));
    }
    expect(differences).toEqual([]);
    expect(file.testcases.length).toBeGreaterThan(200);
    expect(cache.stats.hits).toBeGreaterThan(file.testcases.length);
  }, 120_000);

  it('over every NIST PKITS run', async () => {
    expect(pkitsAvailable()).toBe(true);
    const index = JSON.parse(readFileSync(join(DEFAULT_PKITS_DIR, 'tests.json'), 'utf8')) as {
      validation_time: string;
      tests: PkitsEntry[];
    };
    const cert = (file: string): Uint8Array => readFileSync(join(DEFAULT_PKITS_DIR, 'certs', file));
    const cache = new ValidationCache({ maxEntries: 10_000 });
    const differences: string[] = [];
    for (const entry of index.tests) {
      const options: VerifyChainOptions = {
        leaf: cert(entry.end_entity),
        intermediates: [...entry.intermediates, ...entry.extra_certs].map(cert),
        trustAnchors: [cert(entry.trust_anchor)],
        crls: entry.crls.map((file) => readFileSync(join(DEFAULT_PKITS_DIR, 'crls', file))),
        time: index.validation_time,
        purpose: 'any',
        profile: 'none',
        policy: {
          initialPolicySet: entry.settings.initial_policy_set,
          explicitPolicy: entry.settings.initial_explicit_policy,
          inhibitPolicyMapping: entry.settings.initial_policy_mapping_inhibit,
          inhibitAnyPolicy: entry.settings.initial_any_policy_inhibit,
        },
      };
      differences.push(...(await compare(entry.key, options, cache)), ...(await compare(entry.key, options, cache)));
    }
    expect(differences).toEqual([]);
    expect(index.tests.length).toBeGreaterThan(200);
    expect(cache.stats.hits).toBeGreaterThan(index.tests.length);
  }, 120_000);
});
