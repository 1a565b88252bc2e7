import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyInputOf, validatePolicies } from '../../../src/trust/policy/index.js';
import { verifyChain } from '../../../src/trust/verify-chain.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { namesEqual } from '../../../src/x509/name/compare.js';
import { OpensslChain } from '../name-constraints/openssl-chain.js';

/**
 * Issue 2 section 6: "policy-mapping trees that would grow without bound", as real certificates.
 * Every CA asserts K policies and maps each of them to all K; RFC 5280's valid_policy_tree then
 * multiplies by K at each CA (8, 64, 512, 4096, 32768 nodes...). Keyline refuses the path with
 * ERR_POLICY_TREE_TOO_LARGE, promptly, as OpenSSL does with its own node limit.
 */
const K = 8;
const CAS = 5;
const POLICIES = Array.from({ length: K }, (_, i) => `1.3.6.1.4.1.99999.7.${i}`);
const MAPPINGS = POLICIES.flatMap((from) => POLICIES.map((to) => `${from}:${to}`)).join(',');

let pki: OpensslChain;
let root: string;
const intermediates: string[] = [];
let leaf: string;

beforeAll(() => {
  pki = new OpensslChain();
  root = pki.root('root', '/CN=Policy Mesh Root');
  let issuer = 'root';
  for (let i = 1; i <= CAS; i++) {
    intermediates.push(
      pki.issue(`ca${i}`, issuer, `/CN=Policy Mesh CA ${i}`, {
        ca: true,
        extensions: `certificatePolicies = ${POLICIES.join(',')}\npolicyMappings = critical,${MAPPINGS}`,
      }),
    );
    issuer = `ca${i}`;
  }
  leaf = pki.issue('leaf', issuer, '/CN=Policy Mesh Leaf', {
    ca: false,
    extensions: `certificatePolicies = ${POLICIES.join(',')}`,
  });
}, 60_000);

afterAll(() => pki.dispose());

describe('a policy-mapping mesh that would grow the RFC 5280 tree without bound', () => {
  it('is refused by validatePolicies at the CA where the tree passes the bound', () => {
    const path = [...intermediates, leaf].map((pem) => {
      const cert = Certificate.fromPem(pem);
      return policyInputOf(cert, namesEqual(cert.issuer, cert.subject));
    });
    const started = performance.now();
    const result = validatePolicies(path);
    expect(result).toMatchObject({ ok: false, code: 'ERR_POLICY_TREE_TOO_LARGE', certificateIndex: 4 });
    expect(performance.now() - started).toBeLessThan(100);
    // Fewer CAs keep the tree small enough, and the path is valid for every policy.
    expect(validatePolicies(path.slice(3))).toMatchObject({ ok: true, endEntityPolicies: [...POLICIES].sort() });
  });

  it('is refused by verifyChain with ERR_POLICY_TREE_TOO_LARGE', async () => {
    const result = await verifyChain({ leaf, intermediates, trustAnchors: [root] });
    expect(result).toMatchObject({ ok: false, code: 'ERR_POLICY_TREE_TOO_LARGE' });
  });

  it('is refused by `openssl verify -policy_check` as well', () => {
    writeFileSync(join(pki.dir, 'untrusted.pem'), intermediates.join(''));
    writeFileSync(join(pki.dir, 'leaf-only.pem'), leaf);
    const verified = spawnSync(
      'openssl',
      ['verify', '-policy_check', '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem', 'leaf-only.pem'],
      {
        cwd: pki.dir,
        encoding: 'utf8',
      },
    );
    expect(verified.status).not.toBe(0);
    // OpenSSL 3 reports its own policy node limit as a failure inside check_policy.
    expect(verified.stderr).toMatch(/check_policy/);
  });
});
