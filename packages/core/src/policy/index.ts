/**
 * The Keyline Ecosystem Certificate Policy v1 as code (docs/certificate-policy.md): the OID arc,
 * the profiles, the device naming scheme and the linter that runs before every signature.
 */
export * from './oids.js';
export * from './naming.js';
export * from './profiles/index.js';
export type { LintTarget } from './target.js';
export type { Severity, Finding, LintOptions, LintContext, LintRule, RuleResult } from './lint/types.js';
export type { SubjectKeyInfo } from './lint/subject-key.js';
export { lint, lintTbs, certificateFromTbs, hasErrors, assertLintClean } from './lint/lint.js';
export { RULES } from './lint/rules/index.js';
export { MIN_SERIAL_OCTETS } from './lint/rules/kecp-serial-entropy.js';
