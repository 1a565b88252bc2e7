import type { ErrorCode } from '../../errors/registry.js';
import type { PolicyConstraints, PolicyInformation, PolicyMapping } from '../../x509/extensions/types.js';

/** The special policy OID anyPolicy (RFC 5280 4.2.1.4). */
export const ANY_POLICY = '2.5.29.32.0';

/**
 * The policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g). Every field is optional; the defaults
 * are RFC 5280's usual ones (any policy acceptable, nothing required or inhibited).
 */
export interface PolicyOptions {
  /** user-initial-policy-set: dotted OIDs. Default `[anyPolicy]`. An empty array accepts no policy at all. */
  readonly initialPolicySet?: readonly string[];
  /** initial-explicit-policy: the path must be valid for at least one policy of the initial set. Default false. */
  readonly initialExplicitPolicy?: boolean;
  /** initial-policy-mapping-inhibit: policy mapping is not permitted in the path. Default false. */
  readonly initialPolicyMappingInhibit?: boolean;
  /** initial-any-policy-inhibit: anyPolicy in a certificate is not taken as matching every policy. Default false. */
  readonly initialAnyPolicyInhibit?: boolean;
}

/**
 * What policy processing needs of one certificate of the path: its decoded policy extensions
 * (undefined when absent) and whether it is self-issued. The trust anchor is not part of the path.
 */
export interface PolicyCertificateInput {
  readonly certificatePolicies: readonly PolicyInformation[] | undefined;
  readonly policyMappings: readonly PolicyMapping[] | undefined;
  readonly policyConstraints: PolicyConstraints | undefined;
  /** The SkipCerts of inhibitAnyPolicy (RFC 5280 4.2.1.14). */
  readonly inhibitAnyPolicy: number | undefined;
  /** Issuer and subject names match (RFC 5280 6.1: self-issued certificates do not count towards the counters). */
  readonly isSelfIssued: boolean;
}

/** Bounds on policy processing. */
export interface PolicyLimits {
  /**
   * Most nodes the RFC 5280 valid_policy_tree of the path may hold at any step. Keyline computes on
   * the RFC 9618 policy graph, which stays small, but counts how large RFC 5280's tree would be and
   * refuses (ERR_POLICY_TREE_TOO_LARGE) beyond this: such trees only come from crafted mappings.
   */
  readonly maxTreeNodes: number;
}

/** 4096 nodes: real paths have a handful; a crafted mapping mesh reaches this in three or four certificates. */
export const DEFAULT_POLICY_LIMITS: PolicyLimits = { maxTreeNodes: 4096 };

/** The codes policy processing can answer with (registered in errors/codes/trust.ts). */
export type PolicyErrorCode = Extract<
  ErrorCode,
  | 'ERR_POLICY_NO_VALID_POLICY'
  | 'ERR_POLICY_ANY_POLICY_MAPPING'
  | 'ERR_POLICY_DUPLICATE_POLICY'
  | 'ERR_POLICY_TREE_TOO_LARGE'
>;

/** The outcome of policy processing over a whole path (RFC 5280 6.1.6, RFC 9618 section 4.4). */
export type PolicyResult =
  | {
      readonly ok: true;
      /**
       * Policies the certification authorities of the path accept, in the trust anchor's policy domain
       * (the policies as first asserted below anyPolicy, before any mapping), sorted. Holds anyPolicy
       * when the path is valid for every policy. Empty when the valid_policy_tree is NULL.
       */
      readonly authoritiesConstrainedPolicySet: readonly string[];
      /**
       * authoritiesConstrainedPolicySet intersected with the initial policy set (RFC 5280 6.1.5 (g)),
       * in the trust anchor's domain, sorted. Holds anyPolicy only when both sets do.
       */
      readonly userConstrainedPolicySet: readonly string[];
      /**
       * The policies of the end-entity certificate that the path supports (valid_policy values at depth
       * n that survive the user-set intersection), in the end entity's own domain, sorted.
       */
      readonly endEntityPolicies: readonly string[];
      /**
       * True when explicit_policy reached 0, so the path was required to be valid for an acceptable
       * policy and is (userConstrainedPolicySet is then non-empty).
       */
      readonly explicitPolicy: boolean;
    }
  | {
      readonly ok: false;
      readonly code: PolicyErrorCode;
      readonly message: string;
      /** 1-based position of the certificate being processed (1 = issued by the trust anchor, n = end entity). */
      readonly certificateIndex: number;
    };
