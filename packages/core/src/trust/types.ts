import type { ErrorCode } from '../errors/registry.js';
import type { Certificate } from '../x509/certificate/certificate.js';
import type { CertificateRevocationList } from '../x509/crl/certificate-revocation-list.js';
import type { ValidationCache } from './cache/validation-cache.js';

/**
 * What the end-entity certificate is validated for. `'any'` checks no key purpose; the others check
 * extKeyUsage (RFC 5280 4.2.1.12) and keyUsage (4.2.1.3) the way TLS uses them.
 */
export type Purpose = 'clientAuth' | 'serverAuth' | 'any';

/** Extra profile checks on the validated chain: `'ecosystem'` runs the Keyline policy linter on each certificate. */
export type VerifyProfile = 'ecosystem' | 'none';

/** One certificate: PEM text (every CERTIFICATE block in it), DER or PEM bytes, or a decoded view. */
export type CertificateInput = string | Uint8Array | Certificate;

/** One CRL: PEM text (every X509 CRL block in it), DER or PEM bytes, or a decoded view. */
export type CrlInput = string | Uint8Array | CertificateRevocationList;

/**
 * The RFC 5280 6.1.1 policy inputs (c), (e), (f), (g). Defaults: any policy acceptable, nothing
 * required, mapping and anyPolicy allowed.
 */
export interface PolicyInputs {
  /** user-initial-policy-set, dotted OIDs; default `['2.5.29.32.0']` (anyPolicy). */
  readonly initialPolicySet?: readonly string[];
  /** initial-explicit-policy. */
  readonly explicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit. */
  readonly inhibitPolicyMapping?: boolean;
  /** initial-any-policy-inhibit. */
  readonly inhibitAnyPolicy?: boolean;
}

/** The input of `verifyChain`. */
export interface VerifyChainOptions {
  /** The certificate to validate (only the first certificate is used when PEM text holds several). */
  readonly leaf: CertificateInput;
  /** Untrusted certificates path building may use (a pool: order, duplicates and decoys do not matter). */
  readonly intermediates?: CertificateInput | readonly CertificateInput[];
  /** Trust anchors: self-signed roots, or any CA certificate the caller trusts directly. */
  readonly trustAnchors: CertificateInput | readonly CertificateInput[];
  /**
   * CRLs. When at least one is given, revocation is checked for every certificate of the path but
   * the trust anchor, and a certificate that no usable CRL covers fails (ERR_REVOCATION_UNKNOWN).
   */
  readonly crls?: CrlInput | readonly CrlInput[];
  /** The validation time: a Date or an ISO-8601 / RFC 3339 string. Default: the current time. */
  readonly time?: Date | string;
  /** Default `'any'`. */
  readonly purpose?: Purpose;
  /** Default `'none'`. */
  readonly profile?: VerifyProfile;
  /**
   * Most intermediate certificates allowed between the leaf and the trust anchor, not counting
   * self-issued ones (as RFC 5280 4.2.1.9 counts path length). Default 10.
   */
  readonly maxDepth?: number;
  /** Policy inputs of RFC 5280 6.1.1; default: any policy. */
  readonly policy?: PolicyInputs;
  /**
   * Bound on path-building work: candidate issuer edges examined plus signatures verified plus
   * complete paths validated. Default 1,000. Reaching it ends in ERR_PATH_BUDGET_EXCEEDED.
   */
  readonly workBudget?: number;
  /**
   * A cache shared across calls that remembers verified certificate signatures (issue 5 section
   * 2). Every other check still runs on every call, so the verdict is the same with or without it.
   */
  readonly cache?: ValidationCache;
}

/** Policy outcome of a valid path (RFC 5280 6.1.6). */
export interface PathPolicyOutput {
  /** Policies the path is valid for, in the trust anchor's domain (holds anyPolicy when unrestricted). */
  readonly authoritiesConstrainedPolicySet: readonly string[];
  /** The above intersected with the initial policy set. */
  readonly userConstrainedPolicySet: readonly string[];
  /** True when the path had to be valid for an explicit policy. */
  readonly explicitPolicy: boolean;
}

/** A validated chain. */
export interface VerifyChainSuccess {
  readonly ok: true;
  /** Leaf first, trust anchor last. A leaf that is itself a trust anchor gives a chain of one. */
  readonly chain: Certificate[];
  readonly policy?: PathPolicyOutput;
}

/** A refusal: the most informative reason found (the failure of the path that got furthest). */
export interface VerifyChainFailure {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  /**
   * Where the failure was found, when it concerns one certificate: 0 is the leaf, counting up
   * towards the trust anchor along the path that was being tried.
   */
  readonly depth?: number;
  /** The subject of that certificate, RFC 4514-like, for messages. */
  readonly subject?: string;
}

export type VerifyChainResult = VerifyChainSuccess | VerifyChainFailure;
