import { Certificate } from '../../x509/certificate/certificate.js';
import { KeylineError, fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../../x509/der/cursor.js';
import { Tag, contextConstructed } from '../../x509/der/tags.js';
import { encodingOf } from '../../x509/der/tlv.js';
import { parseDer } from '../../x509/der/validate.js';
import * as der from '../../x509/der/writer.js';
import { PROFILES } from '../profiles/index.js';
import type { Profile, ProfileName } from '../profiles/types.js';
import type { LintTarget } from '../target.js';
import { createLintContext } from './context.js';
import { RULES } from './rules/index.js';
import { extensionValueRule } from './rules/rfc5280-extension-value.js';
import type { Finding, LintOptions, LintRule, RuleResult } from './types.js';

/** Rules per profile, chosen once (appliesTo depends on the profile only). */
const rulesByProfile = new WeakMap<Profile, readonly LintRule[]>();

function rulesFor(profile: Profile): readonly LintRule[] {
  let rules = rulesByProfile.get(profile);
  if (rules === undefined) {
    rules = RULES.filter((rule) => rule.appliesTo(profile));
    rulesByProfile.set(profile, rules);
  }
  return rules;
}

function resolveProfile(profile: ProfileName | Profile): Profile {
  if (typeof profile !== 'string') return profile;
  const found = (PROFILES as Readonly<Record<string, Profile>>)[profile];
  if (found === undefined)
    fail('ERR_POLICY_UNKNOWN_PROFILE', `unknown certificate profile "${String(profile).slice(0, 40)}"`);
  return found;
}

function push(findings: Finding[], rule: LintRule, result: RuleResult): void {
  if (result === undefined) return;
  if (typeof result === 'string') {
    findings.push({ id: rule.id, severity: rule.severity, message: result, clause: rule.clause });
    return;
  }
  for (const message of result) findings.push({ id: rule.id, severity: rule.severity, message, clause: rule.clause });
}

/**
 * Lints a certificate (or an unsigned TBS view of one, see {@link LintTarget}) against a profile
 * of the Keyline Ecosystem Certificate Policy, returning every finding, errors first in rule order.
 * An empty list, or one without `error` findings, means the certificate may be signed.
 *
 * Never reads the signature. Never throws for a certificate that parsed: an extension whose value
 * does not decode is reported as `rfc5280.extension-value` and the rules that need it are skipped.
 * Throws ERR_POLICY_UNKNOWN_PROFILE for an unknown profile name. Does not read the clock: validity
 * is judged as a period, not against "now".
 */
export function lint(cert: LintTarget, profile: ProfileName | Profile, options: LintOptions = {}): Finding[] {
  const resolved = resolveProfile(profile);
  const ctx = createLintContext(cert, resolved, options);
  const findings: Finding[] = [];
  let undecodable = false;
  for (const rule of rulesFor(resolved)) {
    let result: RuleResult;
    try {
      result = rule.check(cert, resolved, ctx);
    } catch (error) {
      if (!(error instanceof KeylineError)) throw error;
      // A malformed extension: rfc5280.extension-value (which runs first) has reported it.
      if (undecodable) continue;
      result = `cannot check: ${error.message}`;
    }
    if (rule === extensionValueRule && result !== undefined && result.length > 0) undecodable = true;
    push(findings, rule, result);
  }
  return findings;
}

/** True when any finding has error severity (the certificate must not be signed). */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/**
 * Lints and throws ERR_POLICY_LINT_FAILED when any finding is an error; returns the findings
 * (warnings and notices) otherwise. What issuance calls before it signs.
 */
export function assertLintClean(
  cert: LintTarget,
  profile: ProfileName | Profile,
  options: LintOptions = {},
): Finding[] {
  const findings = lint(cert, profile, options);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new KeylineError(
      'ERR_POLICY_LINT_FAILED',
      `certificate fails the ${resolveProfile(profile).title} profile: ${errors.map((f) => `${f.id}: ${f.message}`).join('; ')}`,
      { findings: errors },
    );
  }
  return findings;
}

/** An empty signature: lint never reads the signature, so any placeholder gives the same findings. */
const PLACEHOLDER_SIGNATURE = der.bits(new Uint8Array(0));

/**
 * Parses DER TBSCertificate bytes into a lint target by wrapping them with their own signature
 * AlgorithmIdentifier and an empty signature. Throws the parser's KeylineError when the TBS is malformed.
 */
export function certificateFromTbs(tbs: Uint8Array): Certificate {
  const top = parseDer(tbs);
  if (top.tag !== Tag.SEQUENCE) fail('ERR_DER_UNEXPECTED_TAG', 'TBSCertificate must be a SEQUENCE');
  const c = DerCursor.inside(tbs, top, 'TBSCertificate');
  c.optional(contextConstructed(0));
  c.expect(Tag.INTEGER, 'serialNumber');
  const algorithm = encodingOf(tbs, c.expect(Tag.SEQUENCE, 'signature'));
  return Certificate.fromDer(der.seq(tbs, algorithm, PLACEHOLDER_SIGNATURE));
}

/**
 * Lints a TBSCertificate before it is signed (the issuance cycle: build, lint, persist, sign).
 * Same findings as `lint` on the certificate later signed over these bytes.
 */
export function lintTbs(tbs: Uint8Array, profile: ProfileName | Profile, options: LintOptions = {}): Finding[] {
  return lint(certificateFromTbs(tbs), profile, options);
}
