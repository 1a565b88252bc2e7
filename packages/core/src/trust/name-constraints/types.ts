import type { ErrorCode } from '../../errors/registry.js';
import type { GeneralName } from '../../x509/extensions/types.js';
import type { Name } from '../../x509/name/types.js';

/** The names of one certificate that RFC 5280 6.1.3 (b) and (c) check against the name-constraint state. */
export interface NameConstraintsCheckInput {
  /** The subject DN: checked against directoryName constraints, and its emailAddress attributes against rfc822Name ones. */
  readonly subject: Name;
  /** The decoded subjectAltName, or undefined when the certificate has none. */
  readonly subjectAltNames: readonly GeneralName[] | undefined;
  /**
   * True for a self-issued certificate that is not the last one of the path: RFC 5280 6.1.3 (b)
   * and (c) skip such certificates, so `check` then returns ok without looking at any name.
   */
  readonly isSelfIssuedIntermediate: boolean;
}

/** The verdict of `apply` or `check`: a reason, never a bare boolean. */
export type NameConstraintsResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: NameConstraintsErrorCode;
      readonly message: string;
    };

/** The codes name-constraint processing can answer with (all registered in errors/codes/trust.ts). */
export type NameConstraintsErrorCode = Extract<
  ErrorCode,
  | 'ERR_NC_NAME_NOT_PERMITTED'
  | 'ERR_NC_NAME_EXCLUDED'
  | 'ERR_NC_UNSUPPORTED_NAME_FORM'
  | 'ERR_NC_MALFORMED_CONSTRAINT'
  | 'ERR_NC_MALFORMED_NAME'
  | 'ERR_NC_URI_WITHOUT_HOST'
  | 'ERR_NC_TOO_MUCH_WORK'
>;

/** Bounds on the work of one path's name-constraint processing. */
export interface NameConstraintsLimits {
  /**
   * Most name-against-subtree comparisons over the whole path (every `check` adds to one budget).
   * Beyond it, `check` answers ERR_NC_TOO_MUCH_WORK rather than spend more time (x509-limbo's
   * pathological nc-dos cases put 2048 names against 2048 constraints, about 2^22 comparisons).
   */
  readonly maxComparisons: number;
}

/** 2^16 comparisons: far above any real hierarchy, and a few milliseconds of work at most. */
export const DEFAULT_NAME_CONSTRAINTS_LIMITS: NameConstraintsLimits = { maxComparisons: 1 << 16 };
