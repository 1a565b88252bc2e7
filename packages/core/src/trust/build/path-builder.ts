import type { ErrorCode } from '../../errors/registry.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import { formatName } from '../../x509/name/format.js';
import { isSelfIssued } from '../validate/certificate-info.js';
import type { SignatureChecker } from '../validate/signature-checker.js';
import type { CandidatePool } from './candidate-pool.js';
import { WorkBudgetExhausted, type WorkBudget } from './work-budget.js';

/**
 * Most intermediate certificates in any path, self-issued ones included. `maxDepth` does not count
 * self-issued certificates (as RFC 5280 path length does not), so this absolute cap is what bounds
 * a path of look-alike self-issued certificates.
 */
export const MAX_PATH_CERTIFICATES = 64;

/** The verdict of validating one complete path. */
export type PathVerdict<T> = { readonly ok: true; readonly value: T } | PathFailure;

/** Why a path (or every path) failed. */
export interface PathFailure {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  /** Index in the path of the certificate at fault (0 = leaf), when one is. */
  readonly depth?: number;
}

export interface BuildInputs<T> {
  readonly pool: CandidatePool;
  readonly budget: WorkBudget;
  readonly signatures: SignatureChecker;
  /** Most non-self-issued intermediates. */
  readonly maxDepth: number;
  /** Validates a complete path (leaf first, trust anchor last). Called once per complete path found. */
  readonly validate: (path: readonly Certificate[]) => PathVerdict<T>;
}

/** The first valid path, or the most informative failure. */
export type BuildResult<T> =
  | { readonly ok: true; readonly path: readonly Certificate[]; readonly value: T }
  | (PathFailure & { readonly path?: readonly Certificate[] });

interface Recorded {
  readonly failure: PathFailure;
  readonly path: readonly Certificate[];
  readonly score: number;
}

/**
 * Builds certification paths from `leaf` up to a trust anchor by depth-first search with
 * backtracking (RFC 4158 style): at each certificate the candidate issuers come from the pool in
 * preference order; an edge is taken only when the names chain (the pool is indexed by subject)
 * and the candidate's key verifies the certificate's signature; a certificate never appears twice
 * in one path (cycles, cross-certificates); paths longer than `maxDepth` non-self-issued
 * intermediates (or MAX_PATH_CERTIFICATES in all) are not followed. Every path that reaches a
 * trust anchor is validated in full; the first that passes is returned. When none does, the
 * failure of the path that got furthest is returned (a path that reached an anchor beats one that
 * did not; then the longer one; then the first found).
 *
 * The whole search spends from `budget` (one unit per candidate edge, per signature verified, per
 * complete path validated) and ends with ERR_PATH_BUDGET_EXCEEDED when it runs out.
 */
export function buildPath<T>(leaf: Certificate, inputs: BuildInputs<T>): BuildResult<T> {
  const { pool, budget, signatures, maxDepth, validate } = inputs;
  let best: Recorded | undefined;
  const record = (failure: PathFailure, path: readonly Certificate[], reachedAnchor: boolean): void => {
    const score = (reachedAnchor ? MAX_PATH_CERTIFICATES * 4 : 0) + path.length;
    if (best === undefined || score > best.score) best = { failure, path: [...path], score };
  };

  const path: Certificate[] = [leaf];
  const inPath = new Set<string>([leaf.fingerprint]);

  const complete = (): BuildResult<T> | undefined => {
    budget.spend();
    const verdict = validate(path);
    if (verdict.ok) return { ok: true, path: [...path], value: verdict.value };
    record(verdict, path, true);
    return undefined;
  };

  const search = (counted: number): BuildResult<T> | undefined => {
    const child = path[path.length - 1]!;
    const depth = path.length - 1;
    const candidates = pool.issuersOf(child);
    if (candidates.length === 0) {
      record(
        failureAt(depth, child, 'ERR_PATH_NO_ISSUER', `no certificate named ${formatName(child.issuer)} was given`),
        path,
        false,
      );
      return undefined;
    }
    for (const candidate of candidates) {
      budget.spend();
      const issuer = candidate.certificate;
      if (inPath.has(issuer.fingerprint)) {
        record(
          failureAt(depth, child, 'ERR_PATH_UNTRUSTED', 'every candidate issuer leads back into the path'),
          path,
          false,
        );
        continue;
      }
      let next = counted;
      if (!candidate.isAnchor) {
        if (!isSelfIssued(issuer)) next += 1;
        if (next > maxDepth || path.length > MAX_PATH_CERTIFICATES) {
          record(
            failureAt(
              depth,
              child,
              'ERR_PATH_DEPTH_EXCEEDED',
              `a path through here needs more than ${maxDepth} intermediates`,
            ),
            path,
            false,
          );
          continue;
        }
      }
      const signature = signatures.check(child, issuer, 'certificate');
      if (!signature.ok) {
        record(failureAt(depth, child, signature.code, signature.message), path, false);
        continue;
      }
      path.push(issuer);
      inPath.add(issuer.fingerprint);
      const found = candidate.isAnchor ? complete() : search(next);
      if (found !== undefined) return found;
      path.pop();
      inPath.delete(issuer.fingerprint);
    }
    return undefined;
  };

  try {
    const found = pool.isAnchor(leaf) ? complete() : search(0);
    if (found !== undefined) return found;
  } catch (error) {
    if (error instanceof WorkBudgetExhausted) {
      return {
        ok: false,
        code: 'ERR_PATH_BUDGET_EXCEEDED',
        message: `path building stopped after ${error.limit} steps without finding a valid path`,
      };
    }
    throw error;
  }
  const failure = best?.failure ?? { ok: false, code: 'ERR_PATH_UNTRUSTED', message: 'no path to a trust anchor' };
  return best === undefined ? failure : { ...failure, path: best.path };
}

function failureAt(depth: number, certificate: Certificate, code: ErrorCode, message: string): PathFailure {
  return { ok: false, code, message: `${formatName(certificate.subject)}: ${message}`, depth };
}
