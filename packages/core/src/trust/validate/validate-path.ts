import type { Certificate } from '../../x509/certificate/certificate.js';
import { namesEqual } from '../../x509/name/compare.js';
import { formatName } from '../../x509/name/format.js';
import type { PathFailure, PathVerdict } from '../build/path-builder.js';
import { NameConstraintsState } from '../name-constraints/state.js';
import type { NameConstraintsLimits } from '../name-constraints/types.js';
import { DEFAULT_POLICY_LIMITS, type PolicyCertificateInput, type PolicyOptions } from '../policy/types.js';
import { validatePolicies } from '../policy/validate.js';
import { checkCrlStatus, type CrlContext } from '../revocation/crl-check.js';
import type { PathPolicyOutput, Purpose } from '../types.js';
import { certificateInfo, type CertificateInfo } from './certificate-info.js';
import { attempt, type Check } from './outcome.js';
import { checkCriticalExtensions } from './processed-extensions.js';
import { checkProfile } from './profile-rules.js';
import { checkIntermediatePurpose, checkLeafPurpose } from './purpose.js';
import { checkSubjectAltNames } from './san-syntax.js';
import type { SignatureChecker } from './signature-checker.js';
import { checkValidity } from './validity.js';

/** The inputs of RFC 5280 6.1.1 that stay the same for every candidate path of one call. */
export interface PathValidationInputs {
  /** The validation instant in whole seconds (ms since the epoch). */
  readonly atMs: number;
  readonly purpose: Purpose;
  readonly signatures: SignatureChecker;
  /** Set when CRLs were given: revocation is then checked for every certificate but the anchor. */
  readonly crl?: CrlContext;
  readonly policy?: PolicyOptions;
  readonly nameConstraintsLimits?: NameConstraintsLimits;
}

/** What a valid path yields besides itself. */
export interface PathValidationOutput {
  readonly policy?: PathPolicyOutput;
}

/**
 * Validates one complete certification path (RFC 5280 section 6.1), given leaf first and trust
 * anchor last, as the path builder found it.
 *
 * The trust anchor (6.1.1 (d)) is a certificate here, and Keyline checks of it what a relying
 * party can reasonably require of its own configuration: that it is valid at the validation time,
 * has no unknown critical extension and, if it is a version 3 certificate, conforms to the RFC 5280
 * profile of a CA certificate (see checkProfile). Its signature is not checked (nothing above it
 * vouches for it). Its nameConstraints and pathLenConstraint are applied to the path below it (as
 * trust anchor constraints, RFC 5937); its policy extensions are not (the initial policy inputs
 * play that role, 6.1.1 (c)-(g)) and nor is its extKeyUsage.
 *
 * Then for each certificate i = 1..n from the anchor down (6.1.3): the signature with the working
 * public key, validity at the given time (6.1.3 (a)(2), whole seconds, bounds inclusive), issuer
 * name chaining (a)(4), revocation when CRLs are given (a)(3), name constraints (b), (c) except on
 * self-issued intermediates; for i < n (6.1.4): version 3 with basicConstraints cA (k), the path
 * length with self-issued certificates not counted (l), (m), keyCertSign if keyUsage is present
 * (n), the certificate's name constraints added to the state (g), its extKeyUsage as a limit on the
 * purpose; for every certificate: no unknown critical extension (6.1.4 (o), 6.1.5 (e)), the RFC 5280
 * section 4 profile rules and subjectAltName syntax. Then the purpose of the leaf (extKeyUsage,
 * keyUsage) and the policy processing of 6.1.3 (d)-(f), 6.1.4 (h)-(j), 6.1.5 over the whole path.
 */
export function validatePath(
  path: readonly Certificate[],
  inputs: PathValidationInputs,
): PathVerdict<PathValidationOutput> {
  const anchorDepth = path.length - 1;
  if (anchorDepth === 0) {
    const anchorInfo = checkAnchor(path, inputs);
    if (!('certificate' in anchorInfo)) return anchorInfo;
    // The leaf is itself a trust anchor: nothing above it to check, only its own use.
    return at(path, 0, checkLeafPurpose(anchorInfo, inputs.purpose)) ?? { ok: true, value: {} };
  }
  const prefix = validatePathPrefix(path, inputs);
  if (!('state' in prefix)) return prefix;
  return validateLeafAfterPrefix(path, prefix, inputs);
}

/**
 * The state of RFC 5280 section 6.1 after the trust anchor and every CA certificate of a path of at
 * least two certificates (6.1.3 and 6.1.4 done for i = 1..n-1): what the leaf's own steps need.
 * Never changed once made: `validateLeafAfterPrefix` works on copies, so one prefix can serve
 * every leaf under the same issuing CA (trust/cache/path-prefix-cache.ts).
 */
export interface PathPrefix {
  readonly state: Readonly<WalkState>;
}

/** The RFC 5280 6.1.2 state variables Keyline keeps while walking a path down from the anchor. */
interface WalkState {
  nameConstraints: NameConstraintsState;
  maxPathLength: number;
  policyInputs: PolicyCertificateInput[];
}

/**
 * The anchor's checks and 6.1.3/6.1.4 for the certificates between it and the leaf (path leaf
 * first, anchor last, at least two certificates), or the first failure: exactly what validatePath
 * does before it reaches the leaf.
 */
export function validatePathPrefix(
  path: readonly Certificate[],
  inputs: PathValidationInputs,
): PathPrefix | PathFailure {
  const anchorDepth = path.length - 1;
  const anchor = path[anchorDepth]!;
  const anchorInfo = checkAnchor(path, inputs);
  if (!('certificate' in anchorInfo)) return anchorInfo;

  const state: WalkState = {
    nameConstraints: new NameConstraintsState(inputs.nameConstraintsLimits),
    maxPathLength: Number.POSITIVE_INFINITY,
    policyInputs: [],
  };
  if (anchor.version === 3) {
    const anchorNc = anchorInfo.extensions.nameConstraints;
    if (anchorNc !== undefined) {
      const applied = state.nameConstraints.apply(anchorNc);
      if (!applied.ok) return failure(path, anchorDepth, applied.code, applied.message);
    }
    const anchorPathLen = anchorInfo.extensions.basicConstraints?.pathLen;
    if (anchorPathLen !== undefined) state.maxPathLength = anchorPathLen;
  }
  for (let depth = anchorDepth - 1; depth >= 1; depth--) {
    const step = processCertificate(path, depth, state, inputs);
    if (!('certificate' in step)) return step;
  }
  return { state };
}

/**
 * The leaf's steps (6.1.3 for i = n, conformance) and the wrap-up (6.1.5: purpose, policies) on a
 * copy of `prefix`'s state, which must have been made by validatePathPrefix for the same
 * certificates above the leaf and the same inputs but the time (the caller checks their validity
 * at this call's time).
 */
export function validateLeafAfterPrefix(
  path: readonly Certificate[],
  prefix: PathPrefix,
  inputs: PathValidationInputs,
): PathVerdict<PathValidationOutput> {
  const anchorDepth = path.length - 1;
  const state: WalkState = {
    nameConstraints: prefix.state.nameConstraints.clone(),
    maxPathLength: prefix.state.maxPathLength,
    policyInputs: [...prefix.state.policyInputs],
  };
  const leafInfo = processCertificate(path, 0, state, inputs);
  if (!('certificate' in leafInfo)) return leafInfo;

  // RFC 5280 6.1.5: wrap-up. The purpose of the end entity, then policies over the whole path.
  const purpose = at(path, 0, checkLeafPurpose(leafInfo, inputs.purpose));
  if (purpose !== undefined) return purpose;
  const policy = validatePolicies(state.policyInputs, inputs.policy ?? {}, DEFAULT_POLICY_LIMITS);
  if (!policy.ok) return failure(path, anchorDepth - policy.certificateIndex, policy.code, policy.message);
  return {
    ok: true,
    value: {
      policy: {
        authoritiesConstrainedPolicySet: policy.authoritiesConstrainedPolicySet,
        userConstrainedPolicySet: policy.userConstrainedPolicySet,
        explicitPolicy: policy.explicitPolicy,
      },
    },
  };
}

function at(path: readonly Certificate[], depth: number, check: Check): PathFailure | undefined {
  return check.ok ? undefined : failure(path, depth, check.code, check.message);
}

/** 6.1.1 (d): what Keyline checks of the trust anchor (last in the path). */
function checkAnchor(path: readonly Certificate[], inputs: PathValidationInputs): CertificateInfo | PathFailure {
  const anchorDepth = path.length - 1;
  const anchor = path[anchorDepth]!;
  const anchorInfo = attempt(() => certificateInfo(anchor), 'trust anchor');
  if (!anchorInfo.ok) return failure(path, anchorDepth, anchorInfo.code, anchorInfo.message);
  const anchorProblem =
    at(path, anchorDepth, checkValidity(anchor, inputs.atMs)) ??
    at(path, anchorDepth, checkCriticalExtensions(anchor)) ??
    (anchorDepth === 0 ? undefined : at(path, anchorDepth, checkProfile(anchorInfo.value, 'anchor')));
  return anchorProblem ?? anchorInfo.value;
}

/** 6.1.3, and 6.1.4 for a CA, for the certificate at `depth` (0 = leaf) below its issuer at depth + 1. */
function processCertificate(
  path: readonly Certificate[],
  depth: number,
  state: WalkState,
  inputs: PathValidationInputs,
): CertificateInfo | PathFailure {
  const anchor = path[path.length - 1]!;
  const certificate = path[depth]!;
  const issuer = path[depth + 1]!;
  const isLeaf = depth === 0;
  const decoded = attempt(() => certificateInfo(certificate), 'certificate');
  if (!decoded.ok) return failure(path, depth, decoded.code, decoded.message);
  const info = decoded.value;

  // RFC 5280 6.1.3 (a): basic certificate processing.
  const basic =
    at(path, depth, inputs.signatures.check(certificate, issuer, 'certificate')) ??
    at(path, depth, checkValidity(certificate, inputs.atMs)) ??
    (namesEqual(certificate.issuer, issuer.subject)
      ? undefined
      : failure(
          path,
          depth,
          'ERR_PATH_NAME_CHAINING',
          `issuer ${formatName(certificate.issuer)} is not the subject of the issuing certificate`,
        )) ??
    (inputs.crl === undefined ? undefined : at(path, depth, revocation(certificate, issuer, anchor, inputs.crl)));
  if (basic !== undefined) return basic;

  // RFC 5280 6.1.3 (b), (c): name constraints, skipped for self-issued intermediates.
  const nameConstraints = state.nameConstraints;
  const names = attempt(
    () =>
      nameConstraints.check({
        subject: certificate.subject,
        subjectAltNames: info.extensions.subjectAltName,
        isSelfIssuedIntermediate: info.selfIssued && !isLeaf,
      }),
    'name constraints',
  );
  if (!names.ok) return failure(path, depth, names.code, names.message);
  if (!names.value.ok) return failure(path, depth, names.value.code, names.value.message);

  state.policyInputs.push({
    certificatePolicies: info.extensions.certificatePolicies,
    policyMappings: info.extensions.policyMappings,
    policyConstraints: info.extensions.policyConstraints,
    inhibitAnyPolicy: info.extensions.inhibitAnyPolicy,
    isSelfIssued: info.selfIssued,
  });

  if (!isLeaf) {
    const prepared = prepareNext(info, state.maxPathLength, inputs.purpose);
    if (!prepared.ok) return failure(path, depth, prepared.code, prepared.message);
    state.maxPathLength = prepared.maxPathLength;
    const nc = info.extensions.nameConstraints;
    if (nc !== undefined) {
      const applied = nameConstraints.apply(nc);
      if (!applied.ok) return failure(path, depth, applied.code, applied.message);
    }
  }

  const conformance =
    at(path, depth, checkCriticalExtensions(certificate)) ??
    at(path, depth, checkProfile(info, isLeaf ? 'leaf' : 'intermediate')) ??
    at(path, depth, checkSubjectAltNames(info.extensions.subjectAltName));
  return conformance ?? info;
}

/** CRL checking as a Check: a malformed input met while reading CRL fields is a refusal too. */
function revocation(certificate: Certificate, issuer: Certificate, anchor: Certificate, crl: CrlContext): Check {
  const checked = attempt(() => checkCrlStatus(certificate, issuer, anchor, crl), 'revocation');
  return checked.ok ? checked.value : checked;
}

type Prepared = { ok: true; maxPathLength: number } | { ok: false; code: PathFailure['code']; message: string };

/** RFC 5280 6.1.4 (k)-(n) and the extKeyUsage limit, for an intermediate certificate. */
function prepareNext(info: CertificateInfo, maxPathLength: number, purpose: Purpose): Prepared {
  const certificate = info.certificate;
  // (k): a v1 or v2 certificate cannot show it is a CA in band; Keyline does not take it on trust.
  if (certificate.version !== 3) {
    return {
      ok: false,
      code: 'ERR_PATH_NOT_CA',
      message: `a version ${certificate.version} certificate cannot be an intermediate CA (RFC 5280 6.1.4 (k))`,
    };
  }
  if (!info.isCa) {
    return {
      ok: false,
      code: 'ERR_PATH_NOT_CA',
      message:
        info.extensions.basicConstraints === undefined
          ? 'an intermediate has no basicConstraints (RFC 5280 6.1.4 (k))'
          : 'an intermediate does not assert basicConstraints cA (RFC 5280 6.1.4 (k))',
    };
  }
  // (l): self-issued certificates do not count towards the path length.
  let next = maxPathLength;
  if (!info.selfIssued) {
    if (next <= 0) {
      return {
        ok: false,
        code: 'ERR_PATH_LENGTH_EXCEEDED',
        message: 'a pathLenConstraint above allows no further CA here (RFC 5280 6.1.4 (l))',
      };
    }
    next -= 1;
  }
  // (m)
  const pathLen = info.extensions.basicConstraints?.pathLen;
  if (pathLen !== undefined && pathLen < next) next = pathLen;
  // (n)
  const ku = info.extensions.keyUsage;
  if (ku !== undefined && !ku.has('keyCertSign')) {
    return {
      ok: false,
      code: 'ERR_PATH_KEY_CERT_SIGN_MISSING',
      message: 'the CA keyUsage lacks keyCertSign (RFC 5280 6.1.4 (n))',
    };
  }
  const eku = checkIntermediatePurpose(info, purpose);
  if (!eku.ok) return eku;
  return { ok: true, maxPathLength: next };
}

function failure(path: readonly Certificate[], depth: number, code: PathFailure['code'], message: string): PathFailure {
  const certificate = path[depth];
  const who = certificate === undefined ? '' : `${formatName(certificate.subject)}: `;
  return { ok: false, code, message: `${who}${message}`, depth };
}
