import type { Profile } from '../profiles/types.js';
import type { LintTarget } from '../target.js';
import type { SubjectKeyInfo } from './subject-key.js';

/**
 * How bad a finding is (KECP 7.1).
 * - `error`: the certificate violates RFC 5280 or the policy; it must not be signed, and
 *   `keyline lint` exits 1.
 * - `warning`: allowed but against a SHOULD or a recommendation; worth fixing.
 * - `notice`: informational.
 */
export type Severity = 'error' | 'warning' | 'notice';

/** One problem found in a certificate. */
export interface Finding {
  /** The rule's stable id, e.g. `rfc5280.basic-constraints-critical`. */
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  /** The clause the rule enforces, e.g. `RFC 5280 4.2.1.9` or `KECP 5.4`. */
  readonly clause: string;
}

/** What `lint` may know beyond the certificate itself. */
export interface LintOptions {
  /**
   * The issuer's certificate. When given, the rules that relate a certificate to its issuer run:
   * names and key identifiers chain, the signature hash fits the issuer's curve, the manufacturer
   * id is the issuer's, the validity nests. Nothing is verified cryptographically here (the
   * signature may be a placeholder); path validation is trust/'s work.
   */
  readonly issuer?: LintTarget;
}

/** What a lint run shares between its rules, computed at most once per run. */
export interface LintContext {
  readonly options: LintOptions;
  /** The issuer, when known: `options.issuer`, or the certificate itself for a self-signed profile. */
  readonly issuer: LintTarget | undefined;
  /** Identifier octets of notBefore and notAfter as encoded (UTCTime 0x17 or GeneralizedTime 0x18). */
  validityTags(): { readonly notBefore: number; readonly notAfter: number };
  /** The subject public key as the policy sees it. */
  subjectKey(): SubjectKeyInfo;
  /** The issuer's public key as the policy sees it, when the issuer is known. */
  issuerKey(): SubjectKeyInfo | undefined;
}

/** What a rule reports: nothing when the certificate passes, else one message or several. */
export type RuleResult = string | readonly string[] | undefined;

/**
 * One lint rule (KECP 7.2). Rules are pure functions of the TBS fields: they never read the
 * signature, so a TBS with a placeholder signature lints the same as the signed certificate.
 * They must be cheap (lint runs before every signature): decode extensions through the memoised
 * accessors in policy/decoded.ts, never re-parse.
 */
export interface LintRule {
  readonly id: string;
  readonly severity: Severity;
  readonly clause: string;
  /** One sentence: what the rule demands. */
  readonly description: string;
  /** Whether the rule concerns certificates of `profile` (decided once per profile, not per certificate). */
  appliesTo(profile: Profile): boolean;
  check(cert: LintTarget, profile: Profile, ctx: LintContext): RuleResult;
}
