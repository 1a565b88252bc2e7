import type { Command } from 'commander';
import {
  Certificate,
  KEYLINE_ATTRIBUTE_SHORT_NAMES,
  KeylineError,
  PROFILES,
  PROFILE_NAMES,
  detectProfile,
  formatName,
  hasErrors,
  isKeylineError,
  isProfileName,
  lint,
  type Finding,
  type Profile,
  type ProfileName,
} from '@keyline/core';
import { ExitCode } from '../exit-codes.js';
import { readInputFile, type CliIo } from '../io.js';
import type { CommandRegistrar } from './index.js';

interface LintFlags {
  readonly profile: string;
  readonly issuer?: string;
  readonly json?: boolean;
}

/** The profile names `--profile` accepts. */
export const LINT_PROFILE_CHOICES: readonly string[] = ['auto', ...PROFILE_NAMES];

/** Reads one certificate (PEM: the first block; or DER). Unreadable or malformed input is exit 2, naming the file. */
function readCertificate(path: string, what: string): Certificate {
  const bytes = new Uint8Array(readInputFile(path));
  try {
    return Certificate.from(bytes);
  } catch (error) {
    if (isKeylineError(error)) throw new KeylineError(error.code, `${what} ${path}: ${error.message}`, { path });
    throw error;
  }
}

/** Checks a `--profile` value: `auto` or a profile name; anything else is bad usage (exit 2). */
export function profileFlag(requested: string): ProfileName | 'auto' {
  if (requested === 'auto' || isProfileName(requested)) return requested;
  throw new KeylineError(
    'ERR_POLICY_UNKNOWN_PROFILE',
    `unknown profile "${requested.slice(0, 40)}"; use one of ${LINT_PROFILE_CHOICES.join(', ')}`,
  );
}

function count(findings: readonly Finding[], severity: Finding['severity']): number {
  return findings.filter((f) => f.severity === severity).length;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The text report: one summary line, then one line per finding. */
export function formatLintReport(
  file: string,
  profile: Profile,
  detected: boolean,
  findings: readonly Finding[],
): string[] {
  const notices = count(findings, 'notice');
  const summary =
    `${file}: ${profile.title} (${profile.name}${detected ? ', detected' : ''}): ` +
    `${plural(count(findings, 'error'), 'error')}, ${plural(count(findings, 'warning'), 'warning')}` +
    (notices > 0 ? `, ${plural(notices, 'notice')}` : '');
  const width = Math.max(0, ...findings.map((f) => f.id.length));
  return [
    summary,
    ...findings.map((f) => `  ${f.severity.padEnd(7)} ${f.id.padEnd(width)}  ${f.message}  [${f.clause}]`),
  ];
}

/**
 * `keyline lint`: checks one certificate against a profile of the Keyline Ecosystem Certificate
 * Policy (docs/certificate-policy.md section 7.3). Exit 0 when no finding is an error (warnings
 * allowed), 1 when one is, 2 for bad usage or a file that cannot be read or is not a certificate.
 */
export const registerLint: CommandRegistrar = (program: Command, io: CliIo, setExitCode) => {
  program
    .command('lint')
    .description('check a certificate against the Keyline ecosystem certificate policy')
    .argument('<cert.pem>', 'the certificate (PEM, first block, or DER; - for standard input)')
    .option('--profile <profile>', `profile to check against: ${LINT_PROFILE_CHOICES.join('|')}`, 'auto')
    .option('--issuer <issuer.pem>', "the issuer's certificate, to also check what links the two")
    .option('--json', 'print the findings as JSON')
    .action((certPath: string, flags: LintFlags) => {
      const requested = profileFlag(flags.profile);
      const certificate = readCertificate(certPath, 'certificate');
      const issuer = flags.issuer === undefined ? undefined : readCertificate(flags.issuer, 'issuer');
      const detected = requested === 'auto';
      const profile = PROFILES[detected ? detectProfile(certificate) : requested];
      const findings = lint(certificate, profile, issuer === undefined ? {} : { issuer });
      const failed = hasErrors(findings);
      if (flags.json === true) {
        io.out(
          JSON.stringify({
            ok: !failed,
            file: certPath,
            profile: profile.name,
            detected,
            subject: formatName(certificate.subject, { shortNames: KEYLINE_ATTRIBUTE_SHORT_NAMES }),
            findings,
          }),
        );
      } else {
        for (const line of formatLintReport(certPath, profile, detected, findings)) io.out(line);
      }
      setExitCode(failed ? ExitCode.NEGATIVE : ExitCode.OK);
    });
};
