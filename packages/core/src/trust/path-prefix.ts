import type { Certificate } from '../x509/certificate/certificate.js';
import { canonicalNameKey } from '../x509/name/compare.js';
import type { ValidationCache } from './cache/validation-cache.js';
import type { PathPrefixCache, PathPrefixEntry } from './cache/path-prefix-cache.js';
import type { Purpose, VerifyChainResult } from './types.js';
import { SignatureChecker } from './validate/signature-checker.js';
import { validateLeafAfterPrefix, validatePathPrefix } from './validate/validate-path.js';

/**
 * The prefix shortcut of verifyChain (issue 5 section 2: a device under a known issuing CA costs
 * its own checks only). Why a hit gives the very answer the full search would:
 *
 * - An entry is recorded only from a full search that succeeded on the first complete path it
 *   validated, for a leaf outside the pool whose issuer name matches exactly one certificate of
 *   the pool (so the search had one way up from the leaf), with no CRLs, no policy inputs and no
 *   profile (whose checks would depend on more than the prefix).
 * - A new leaf with the same issuer name (same DER: the same pool bucket), outside the same pool
 *   and with the same options meets the same single candidate; above it the search depends only
 *   on the pool, the options and the certificates already in the path, so it walks the same edges
 *   (spending the same work budget) and validates the same path first. Only the leaf's own steps
 *   can differ, and those run here, on a copy of the recorded RFC 5280 state, with the shared
 *   validatePath code (validateLeafAfterPrefix).
 * - The certificates above the leaf are checked at this call's time through the entry's window
 *   (the latest notBefore, the earliest notAfter: all are valid exactly inside it).
 * - Only a pass is answered here. A leaf that fails any step goes through the full search, which
 *   may try other paths and reports its own failure.
 */
export interface PrefixInputs {
  readonly cache: ValidationCache;
  readonly atMs: number;
  readonly purpose: Purpose;
  readonly maxDepth: number;
  readonly workBudget: number;
  readonly anchors: readonly Certificate[];
  readonly intermediates: readonly Certificate[];
}

/** The key of a prefix: options, pool (anchors, then intermediates, by fingerprint) and the leaf's issuer name. */
function keyOf(inputs: PrefixInputs, issuerName: Uint8Array): string {
  const { purpose, maxDepth, workBudget, anchors, intermediates } = inputs;
  let key = `${purpose}|${maxDepth}|${workBudget}|`;
  for (const c of anchors) key += c.fingerprint;
  key += '|';
  for (const c of intermediates) key += c.fingerprint;
  return `${key}|${Buffer.from(issuerName.buffer, issuerName.byteOffset, issuerName.byteLength).toString('latin1')}`;
}

/** A remembered path above a leaf, as this call's certificate objects. */
export interface RememberedPath {
  readonly entry: PathPrefixEntry;
  /** The path without its leaf (the leaf's issuer first, the trust anchor last): this call's objects. */
  readonly above: readonly Certificate[];
}

/**
 * The remembered path above a leaf issued under the name `issuerName` (its DER), for these inputs,
 * when the validation time is inside the entry's window; undefined otherwise. What holds for the
 * leaf (outside the pool, its own steps) is the caller's to check.
 */
export function rememberedPathAbove(issuerName: Uint8Array, inputs: PrefixInputs): RememberedPath | undefined {
  const prefixes = inputs.cache.pathPrefixes;
  if (prefixes === undefined) return undefined;
  const entry = prefixes.get(keyOf(inputs, issuerName));
  if (entry === undefined) return undefined;
  if (inputs.atMs < entry.notBefore || inputs.atMs > entry.notAfter) return undefined;
  // The objects of this call, as the candidate pool would hand them out (first given wins, anchors first).
  const above: Certificate[] = [];
  for (const fingerprint of entry.above) {
    const certificate = firstWithFingerprint(inputs, fingerprint);
    if (certificate === undefined) return undefined;
    above.push(certificate);
  }
  return { entry, above };
}

function firstWithFingerprint(inputs: PrefixInputs, fingerprint: string): Certificate | undefined {
  for (const c of inputs.anchors) if (c.fingerprint === fingerprint) return c;
  for (const c of inputs.intermediates) if (c.fingerprint === fingerprint) return c;
  return undefined;
}

/** The verdict for `leaf` from a remembered prefix, or undefined when the full search must run. */
export function leafUnderKnownPrefix(leaf: Certificate, inputs: PrefixInputs): VerifyChainResult | undefined {
  const known = rememberedPathAbove(leaf.issuer.der, inputs);
  if (known === undefined || known.entry.pool.has(leaf.fingerprint)) return undefined;
  const { entry } = known;
  const path: Certificate[] = [leaf, ...known.above];
  const signatures = new SignatureChecker(undefined, { cache: inputs.cache, atMs: inputs.atMs });
  let verdict: ReturnType<typeof validateLeafAfterPrefix>;
  try {
    verdict = validateLeafAfterPrefix(path, entry.prefix, {
      atMs: inputs.atMs,
      purpose: inputs.purpose,
      signatures,
      policy: {},
    });
  } catch {
    // Whatever went wrong, the full search is the one to answer it.
    return undefined;
  }
  if (!verdict.ok) return undefined;
  const policy = verdict.value.policy;
  return policy === undefined ? { ok: true, chain: path } : { ok: true, chain: path, policy };
}

/**
 * Remembers the prefix of `chain` (leaf first, anchor last) that a full search found and validated
 * first (`run.completePaths` = 1), when the conditions above hold.
 */
export function rememberPrefix(
  chain: readonly Certificate[],
  run: { readonly completePaths: number; readonly signatures: SignatureChecker },
  inputs: PrefixInputs,
): void {
  const completePaths = run.completePaths;
  const prefixes: PathPrefixCache | undefined = inputs.cache.pathPrefixes;
  if (prefixes === undefined || completePaths !== 1 || chain.length < 2) return;
  const leaf = chain[0]!;
  const issuer = chain[1]!;
  const pool = new Set<string>();
  for (const list of [inputs.anchors, inputs.intermediates]) for (const c of list) pool.add(c.fingerprint);
  if (pool.has(leaf.fingerprint)) return;
  // The leaf's issuer name must pick exactly one certificate of the pool (CandidatePool's buckets).
  const wanted = canonicalNameKey(leaf.issuer);
  const seen = new Set<string>();
  let matches = 0;
  for (const list of [inputs.anchors, inputs.intermediates]) {
    for (const c of list) {
      if (seen.has(c.fingerprint)) continue;
      seen.add(c.fingerprint);
      if (canonicalNameKey(c.subject) === wanted) matches++;
    }
  }
  if (matches !== 1 || canonicalNameKey(issuer.subject) !== wanted) return;
  // The run's own checker: every signature of the chain is already in its memo.
  const prefix = validatePathPrefix(chain, {
    atMs: inputs.atMs,
    purpose: inputs.purpose,
    signatures: run.signatures,
    policy: {},
  });
  if (!('state' in prefix)) return;
  const above = chain.slice(1);
  let notBefore = Number.NEGATIVE_INFINITY;
  let notAfter = inputs.atMs + inputs.cache.maxAgeMs;
  for (const c of above) {
    notBefore = Math.max(notBefore, c.notBefore.getTime());
    notAfter = Math.min(notAfter, c.notAfter.getTime());
  }
  prefixes.set(keyOf(inputs, leaf.issuer.der), {
    above: above.map((c) => c.fingerprint),
    prefix,
    pool,
    notBefore,
    notAfter,
    passedShapes: new Set(),
  });
}
