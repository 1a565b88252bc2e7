import type { Certificate } from '../x509/certificate/certificate.js';
import type { CertificateRevocationList } from '../x509/crl/certificate-revocation-list.js';
import { formatName } from '../x509/name/format.js';
import { isKeylineError } from '../errors/keyline-error.js';
import {
  leafUnderKnownPrefix,
  rememberedPathAbove,
  rememberPrefix,
  type PrefixInputs,
  type RememberedPath,
} from './path-prefix.js';
import { CandidatePool } from './build/candidate-pool.js';
import { buildPath, type PathVerdict } from './build/path-builder.js';
import { DEFAULT_WORK_BUDGET, WorkBudget } from './build/work-budget.js';
import { checkEcosystemProfile } from './ecosystem-profile.js';
import { certificatesFrom, crlsFrom, validationTime } from './inputs.js';
import { decodeThrough } from './cache/decode-through.js';
import type { ValidationCache } from './cache/validation-cache.js';
import type { PolicyOptions } from './policy/types.js';
import type { CrlContext } from './revocation/crl-check.js';
import type { Purpose, VerifyChainFailure, VerifyChainOptions, VerifyChainResult, VerifyProfile } from './types.js';
import { certificateInfo } from './validate/certificate-info.js';
import { attempt } from './validate/outcome.js';
import { SignatureChecker } from './validate/signature-checker.js';
import { validatePath, type PathValidationOutput } from './validate/validate-path.js';
import { validationSecond } from './validate/validity.js';

/** Default `maxDepth`: intermediates between leaf and anchor, self-issued ones not counted. */
export const DEFAULT_MAX_DEPTH = 10;

/** How deep CRL-signer paths may nest (a CRL signer's own revocation needs its issuer's CRL, …). */
const MAX_CRL_SIGNER_NESTING = 2;

const PURPOSES: readonly Purpose[] = ['any', 'clientAuth', 'serverAuth'];
const PROFILES: readonly VerifyProfile[] = ['none', 'ecosystem'];

/**
 * Builds and validates a certification path for `leaf` to one of `trustAnchors` (RFC 5280 section
 * 6), using `intermediates` as an untrusted pool, and answers with the validated chain (leaf first,
 * anchor last) or the reason no valid chain exists.
 *
 * What is verified: signatures (ECDSA P-256/P-384/P-521 with SHA-2, Ed25519, RSA PKCS#1 v1.5 and
 * PSS, through node:crypto), validity at `time` (default: now), name chaining, basicConstraints
 * and pathLenConstraint, keyUsage keyCertSign, unknown critical extensions, name constraints,
 * certificate policies (with `policy` inputs), revocation by the given CRLs (direct, complete CRLs
 * only), extKeyUsage and keyUsage for `purpose`, the RFC 5280 section 4 rules listed in
 * checkProfile, and with `profile: 'ecosystem'` the Keyline policy linter on each certificate.
 * Not done: fetching anything (AIA, CRL distribution points, OCSP), host-name matching, delta and
 * indirect CRLs.
 *
 * Never throws for bad input data: a certificate or CRL that does not decode, an unusable time
 * string or an empty anchor list resolve to `{ ok: false, code, message }`. Programmer misuse (a
 * missing options object, an unknown purpose) throws a TypeError.
 */
export async function verifyChain(options: VerifyChainOptions): Promise<VerifyChainResult> {
  return verifyChainSync(options);
}

/** `verifyChain` without the Promise, for callers inside synchronous code. Same contract. */
export function verifyChainSync(options: VerifyChainOptions): VerifyChainResult {
  const settings = checkOptions(options);
  try {
    return runValidation(options, settings);
  } catch (error) {
    // Every step answers with reasons; this net turns a malformed-input error met anywhere on the
    // way into an answer too, so bad data can never make verifyChain throw.
    if (isKeylineError(error)) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

function runValidation(options: VerifyChainOptions, settings: ReturnType<typeof checkOptions>): VerifyChainResult {
  const time = attempt(() => validationTime(options.time ?? new Date()), 'time');
  if (!time.ok) return time;
  const leaves = attempt(() => certificatesFrom(options.leaf), 'leaf');
  if (!leaves.ok) return leaves;
  const [leaf, ...bundled] = leaves.value;
  if (leaf === undefined) return { ok: false, code: 'ERR_PEM_MALFORMED', message: 'leaf: no certificate given' };
  // With a cache, CA certificates given as DER are decoded once (issue 5 section 2).
  const cache = options.cache;
  const decoded = (input: VerifyChainOptions['trustAnchors'] | undefined): ReturnType<typeof certificatesFrom> =>
    certificatesFrom(cache === undefined ? input : decodeThrough(cache, input));
  const intermediates = attempt(() => decoded(options.intermediates), 'intermediates');
  if (!intermediates.ok) return intermediates;
  const anchors = attempt(() => decoded(options.trustAnchors), 'trust anchors');
  if (!anchors.ok) return anchors;
  if (anchors.value.length === 0)
    return { ok: false, code: 'ERR_TRUST_NO_ANCHORS', message: 'no trust anchor was given' };
  const crls = attempt(() => crlsFrom(options.crls), 'CRLs');
  if (!crls.ok) return crls;

  const atMs = validationSecond(time.value);
  const pool = [...bundled, ...intermediates.value];
  // A leaf under a known issuing CA (path-prefix.ts): only its own steps, when nothing else could
  // change the answer (no CRLs, policy inputs or profile).
  const prefixInputs = prefixInputsOf(options, settings, atMs, anchors.value, pool);
  if (prefixInputs !== undefined) {
    const known = leafUnderKnownPrefix(leaf, prefixInputs);
    if (known !== undefined) return known;
  }

  const validation = new ValidationRun({
    atMs,
    purpose: settings.purpose,
    profile: settings.profile,
    maxDepth: settings.maxDepth,
    budget: new WorkBudget(settings.workBudget),
    intermediates: pool,
    crls: crls.value,
    givenCrls: options.crls !== undefined && crls.value.length > 0,
    policy: policyOptions(options),
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  });
  const result = validation.validate(leaf, anchors.value, 0);
  if (result.ok && prefixInputs !== undefined) rememberPrefix(result.chain, validation, prefixInputs);
  return result;
}

/** What path-prefix.ts keys on, when the options allow its shortcut (a cache; no CRLs, policy inputs or profile). */
function prefixInputsOf(
  options: Omit<VerifyChainOptions, 'leaf'>,
  settings: ReturnType<typeof checkOptions>,
  atMs: number,
  anchors: readonly Certificate[],
  intermediates: readonly Certificate[],
): PrefixInputs | undefined {
  const cache = options.cache;
  if (cache === undefined || options.crls !== undefined || options.policy !== undefined) return undefined;
  if (settings.profile !== 'none') return undefined;
  return {
    cache,
    atMs,
    purpose: settings.purpose,
    maxDepth: settings.maxDepth,
    workBudget: settings.workBudget,
    anchors,
    intermediates,
  };
}

/**
 * The path verifyChainSync's prefix shortcut would put above a leaf issued under the name
 * `issuerName` (its DER) with these options (a leaf given alone: no bundled certificates), with
 * the remembered entry: for trust/device's shape lane, which checks a device certificate without
 * decoding it. Undefined when nothing is remembered, the time is outside the entry's window, the
 * options rule the shortcut out, or an input does not decode (verifyChainSync then answers).
 */
export function rememberedPathFor(
  options: Omit<VerifyChainOptions, 'leaf'>,
  issuerName: Uint8Array,
): (RememberedPath & { readonly atMs: number; readonly pool: readonly Certificate[] }) | undefined {
  const settings = checkOptions(options as VerifyChainOptions);
  const cache = options.cache;
  if (cache === undefined) return undefined;
  try {
    const atMs = validationSecond(validationTime(options.time ?? new Date()));
    const intermediates = certificatesFrom(decodeThrough(cache, options.intermediates));
    const anchors = certificatesFrom(decodeThrough(cache, options.trustAnchors));
    const inputs = prefixInputsOf(options, settings, atMs, anchors, intermediates);
    if (inputs === undefined || anchors.length === 0) return undefined;
    const known = rememberedPathAbove(issuerName, inputs);
    return known === undefined ? undefined : { ...known, atMs, pool: [...anchors, ...intermediates] };
  } catch (error) {
    if (isKeylineError(error)) return undefined;
    throw error;
  }
}

interface RunSettings {
  readonly atMs: number;
  readonly purpose: Purpose;
  readonly profile: VerifyProfile;
  readonly maxDepth: number;
  readonly budget: WorkBudget;
  readonly intermediates: readonly Certificate[];
  readonly crls: readonly CertificateRevocationList[];
  readonly givenCrls: boolean;
  readonly policy: PolicyOptions;
  readonly cache?: ValidationCache;
}

/** One verifyChain call: the shared budget, signature cache and CRL-signer memo. */
class ValidationRun {
  readonly signatures: SignatureChecker;
  private readonly signerVerdicts = new Map<string, boolean>();
  /** Complete paths validated for the leaf itself (nesting 0): path-prefix.ts needs to know it was one. */
  completePaths = 0;

  constructor(private readonly settings: RunSettings) {
    this.signatures = new SignatureChecker(
      () => settings.budget.spend(),
      settings.cache === undefined ? undefined : { cache: settings.cache, atMs: settings.atMs },
    );
  }

  validate(leaf: Certificate, anchors: readonly Certificate[], nesting: number): VerifyChainResult {
    const { settings } = this;
    const pool = new CandidatePool(anchors, settings.intermediates);
    const crl: CrlContext | undefined = settings.givenCrls
      ? {
          crls: settings.crls,
          atMs: settings.atMs,
          signatures: this.signatures,
          otherSigner: (list, issuer, anchor) => this.otherCrlSigner(list, issuer, anchor, nesting),
        }
      : undefined;
    const purpose = nesting === 0 ? settings.purpose : 'any';
    const profile = nesting === 0 ? settings.profile : 'none';
    // A CRL signer's own path is checked for what RFC 5280 6.3.3 (f) asks: validity to the anchor,
    // not the caller's purpose, profile or policy requirements.
    const policy = nesting === 0 ? settings.policy : {};
    const result = buildPath<PathValidationOutput>(leaf, {
      pool,
      budget: settings.budget,
      signatures: this.signatures,
      maxDepth: settings.maxDepth,
      validate: (path): PathVerdict<PathValidationOutput> => {
        if (nesting === 0) this.completePaths++;
        const verdict = validatePath(path, {
          atMs: settings.atMs,
          purpose,
          signatures: this.signatures,
          ...(crl === undefined ? {} : { crl }),
          policy,
        });
        if (!verdict.ok || profile !== 'ecosystem') return verdict;
        return checkEcosystemProfile(path) ?? verdict;
      },
    });
    if (result.ok) {
      const policy = result.value.policy;
      return policy === undefined
        ? { ok: true, chain: [...result.path] }
        : { ok: true, chain: [...result.path], policy };
    }
    const failure: VerifyChainFailure = { ok: false, code: result.code, message: result.message };
    const at = result.depth === undefined ? undefined : result.path?.[result.depth];
    return at === undefined ? failure : { ...failure, depth: result.depth, subject: formatName(at.subject) };
  }

  /**
   * RFC 5280 6.3.3 (f): a CRL signed by a certificate other than the issuer's, with the issuer's
   * name, that may sign CRLs (keyUsage cRLSign when present) and whose own path validates to the
   * same trust anchor (revocation included, one nesting level at a time, on the shared budget).
   */
  private otherCrlSigner(
    crl: CertificateRevocationList,
    issuer: Certificate,
    anchor: Certificate,
    nesting: number,
  ): Certificate | undefined {
    if (nesting >= MAX_CRL_SIGNER_NESTING) return undefined;
    const pool = new CandidatePool([anchor], this.settings.intermediates);
    for (const candidate of pool.withSubject(crl.issuer)) {
      const signer = candidate.certificate;
      if (signer === issuer || signer.fingerprint === issuer.fingerprint) continue;
      this.settings.budget.spend();
      if (!this.signatures.check(crl, signer, 'crl').ok) continue;
      const info = attempt(() => certificateInfo(signer), 'CRL signer');
      if (!info.ok) continue;
      const ku = info.value.extensions.keyUsage;
      if (ku !== undefined && !ku.has('cRLSign')) continue;
      if (candidate.isAnchor) return signer;
      const key = `${signer.fingerprint}|${anchor.fingerprint}`;
      let valid = this.signerVerdicts.get(key);
      if (valid === undefined) {
        this.signerVerdicts.set(key, false); // a signer needed to validate itself is not valid
        valid = this.validate(signer, [anchor], nesting + 1).ok;
        this.signerVerdicts.set(key, valid);
      }
      if (valid) return signer;
    }
    return undefined;
  }
}

function checkOptions(options: VerifyChainOptions): {
  purpose: Purpose;
  profile: VerifyProfile;
  maxDepth: number;
  workBudget: number;
} {
  if (typeof options !== 'object' || options === null) throw new TypeError('verifyChain expects an options object');
  const purpose = options.purpose ?? 'any';
  if (!PURPOSES.includes(purpose)) throw new TypeError(`purpose must be one of ${PURPOSES.join(', ')}`);
  const profile = options.profile ?? 'none';
  if (!PROFILES.includes(profile)) throw new TypeError(`profile must be one of ${PROFILES.join(', ')}`);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw new TypeError('maxDepth must be a non-negative integer');
  const workBudget = options.workBudget ?? DEFAULT_WORK_BUDGET;
  if (!Number.isSafeInteger(workBudget) || workBudget < 1) throw new TypeError('workBudget must be a positive integer');
  const cache: unknown = options.cache;
  if (cache !== undefined && (typeof cache !== 'object' || cache === null || !('recordVerified' in cache))) {
    throw new TypeError('cache must be a ValidationCache');
  }
  return { purpose, profile, maxDepth, workBudget };
}

function policyOptions(options: VerifyChainOptions): PolicyOptions {
  const p = options.policy;
  if (p === undefined) return {};
  return {
    ...(p.initialPolicySet === undefined ? {} : { initialPolicySet: p.initialPolicySet }),
    ...(p.explicitPolicy === undefined ? {} : { initialExplicitPolicy: p.explicitPolicy }),
    ...(p.inhibitPolicyMapping === undefined ? {} : { initialPolicyMappingInhibit: p.inhibitPolicyMapping }),
    ...(p.inhibitAnyPolicy === undefined ? {} : { initialAnyPolicyInhibit: p.inhibitAnyPolicy }),
  };
}
