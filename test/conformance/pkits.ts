/**
 * NIST PKITS conformance harness: runs every entry of test/conformance/data/pkits/tests.json
 * (PKITS sections 4.1 to 4.14, 243 runs, see that folder's README) through `verifyChain` as the
 * built `@keyline/core` package exports it, and compares the verdict with the expected one.
 *
 *   npx tsx test/conformance/pkits.ts            a per-section table and every disagreement
 *   npx tsx test/conformance/pkits.ts --json     the full report as JSON
 *
 * Needs `npm run build` first. The data folder is taken from PKITS_DIR, else
 * `test/conformance/data/pkits` (vendored).
 *
 * Each run gives `verifyChain` the end entity as `leaf`, the path's CA certificates and the
 * run's extra certificates (CRL signers, indirect CRL issuers) as an unordered `intermediates`
 * pool, the PKITS trust anchor as the only trust anchor, every listed CRL (revocation is then
 * checked for every certificate of the path), the validation time of tests.json, and the run's
 * RFC 5280 6.1.1 policy inputs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { verifyChain } from '@keyline/core';

export const DEFAULT_PKITS_DIR = process.env.PKITS_DIR ?? resolve(import.meta.dirname, 'data/pkits');

/** One entry of tests.json (the fields the harness reads). */
export interface PkitsEntry {
  readonly id: string;
  readonly key: string;
  readonly name: string;
  readonly expected: 'valid' | 'invalid';
  readonly trust_anchor: string;
  readonly intermediates: readonly string[];
  readonly end_entity: string;
  readonly extra_certs: readonly string[];
  readonly crls: readonly string[];
  readonly settings: {
    readonly initial_policy_set: readonly string[];
    readonly initial_explicit_policy: boolean;
    readonly initial_policy_mapping_inhibit: boolean;
    readonly initial_any_policy_inhibit: boolean;
  };
}

interface PkitsIndex {
  readonly validation_time: string;
  readonly tests: readonly PkitsEntry[];
}

/** The outcome of one run. */
export interface PkitsRun {
  readonly key: string;
  readonly section: string;
  readonly name: string;
  readonly expected: 'valid' | 'invalid';
  readonly actual: 'valid' | 'invalid' | 'skipped';
  readonly agrees: boolean;
  /** For an invalid verdict: Keyline's reason. */
  readonly code?: string;
  readonly message?: string;
  /**
   * For an agreeing invalid verdict: whether Keyline's reason is one the PKITS section is about
   * (a path refused for a reason other than the one the test exercises agrees only by luck).
   */
  readonly reasonFits?: boolean;
  /** Why the run was skipped or disagrees, when known (see KNOWN_DIFFERENCES). */
  readonly note?: string;
  readonly ms: number;
}

export interface PkitsSectionSummary {
  readonly section: string;
  readonly title: string;
  readonly runs: number;
  readonly agree: number;
  readonly disagree: number;
  readonly skipped: number;
  /** Agreeing invalid verdicts whose reason is not the one the section exercises. */
  readonly agreeOtherReason: number;
}

export interface PkitsReport {
  readonly total: number;
  readonly agree: number;
  readonly disagree: number;
  readonly skipped: number;
  readonly sections: readonly PkitsSectionSummary[];
  readonly runs: readonly PkitsRun[];
  /** The slowest run, in milliseconds. */
  readonly slowestMs: number;
}

export const SECTION_TITLES: Readonly<Record<string, string>> = {
  '4.1': 'Signature verification',
  '4.2': 'Validity periods',
  '4.3': 'Verifying name chaining',
  '4.4': 'Basic certificate revocation',
  '4.5': 'Verifying paths with self-issued certificates',
  '4.6': 'Verifying basic constraints',
  '4.7': 'Key usage',
  '4.8': 'Certificate policies',
  '4.9': 'Require explicit policy',
  '4.10': 'Policy mappings',
  '4.11': 'Inhibit policy mapping',
  '4.12': 'Inhibit any policy',
  '4.13': 'Name constraints',
  '4.14': 'Distribution points',
};

/**
 * The error codes (or code prefixes, ending in `_`) that fit the subject of each section, to tell
 * an invalid verdict reached for the right reason from one reached by accident.
 */
const FITTING_REASONS: Readonly<Record<string, readonly string[]>> = {
  // PKITS corrupts its bad signatures in the unused-bits octet of the BIT STRING, which strict DER refuses.
  '4.1': ['ERR_PATH_BAD_SIGNATURE', 'ERR_PATH_UNSUPPORTED_ALGORITHM', 'ERR_CRYPTO_', 'ERR_DER_BAD_BIT_STRING'],
  '4.2': ['ERR_PATH_EXPIRED', 'ERR_PATH_NOT_YET_VALID', 'ERR_X509_BAD_TIME', 'ERR_DER_BAD_TIME'],
  '4.3': ['ERR_PATH_NAME_CHAINING', 'ERR_PATH_NO_ISSUER', 'ERR_PATH_UNTRUSTED'],
  '4.4': ['ERR_PATH_REVOKED', 'ERR_REVOCATION_UNKNOWN', 'ERR_CRL_', 'ERR_PATH_BAD_SIGNATURE', 'ERR_DER_BAD_BIT_STRING'],
  // 4.5.8 signs the end entity with a CRL-signing key whose certificate is no CA certificate.
  '4.5': ['ERR_PATH_REVOKED', 'ERR_REVOCATION_UNKNOWN', 'ERR_CRL_', 'ERR_PATH_BAD_SIGNATURE', 'ERR_PATH_NOT_CA'],
  '4.6': ['ERR_PATH_NOT_CA', 'ERR_PATH_LENGTH_EXCEEDED', 'ERR_PATH_NONCONFORMING_CERTIFICATE'],
  '4.7': ['ERR_PATH_KEY_CERT_SIGN_MISSING', 'ERR_CRL_ISSUER_NOT_CRL_SIGNER', 'ERR_REVOCATION_UNKNOWN'],
  '4.8': ['ERR_POLICY_'],
  '4.9': ['ERR_POLICY_'],
  '4.10': ['ERR_POLICY_'],
  '4.11': ['ERR_POLICY_'],
  '4.12': ['ERR_POLICY_'],
  '4.13': ['ERR_NC_'],
  '4.14': ['ERR_PATH_REVOKED', 'ERR_REVOCATION_UNKNOWN', 'ERR_CRL_'],
};

/**
 * Runs Keyline does not claim to pass, each with its reason. A run listed here that nevertheless
 * agrees is reported as agreeing (the note then says so); one that disagrees is counted as a
 * disagreement with this reason. Nothing is skipped silently: `skip: true` entries are not run.
 */
export const KNOWN_DIFFERENCES: Readonly<Record<string, { readonly reason: string; readonly skip?: boolean }>> = {
  '4.1.4': { reason: 'DSA signatures: Keyline verifies ECDSA, Ed25519 and RSA only (issue 2 section 4)' },
  '4.1.5': {
    reason: 'DSA signatures (with parameters inherited from the issuer): Keyline verifies ECDSA, Ed25519 and RSA only',
  },
  '4.4.14': {
    reason:
      'the CRL lists a revoked certificate with a negative serial number; the strict CRL decoder refuses negative serials in CRL entries as it does in certificates (issue 2 section 6), so the CRL is unusable',
  },
  '4.14.22': { reason: 'indirect CRL (issuingDistributionPoint indirectCRL): Keyline supports direct CRLs only' },
  '4.14.24': { reason: 'indirect CRL issued by another CA: Keyline supports direct CRLs only' },
  '4.14.25': { reason: 'indirect CRL issued by another CA: Keyline supports direct CRLs only' },
  '4.14.28': { reason: 'cRLIssuer in the distribution point (a CRL issued by another entity): direct CRLs only' },
  '4.14.29': { reason: 'cRLIssuer in the distribution point (a CRL issued by another entity): direct CRLs only' },
  '4.14.30': { reason: 'cRLIssuer in the distribution point (a CRL issued by another entity): direct CRLs only' },
  '4.14.33': { reason: 'cRLIssuer in the distribution point (a CRL issued by another entity): direct CRLs only' },
};

function sectionOf(id: string): string {
  return id.split('.').slice(0, 2).join('.');
}

function fits(section: string, code: string): boolean {
  return (FITTING_REASONS[section] ?? []).some((c) => (c.endsWith('_') ? code.startsWith(c) : code === c));
}

function readIndex(dir: string): PkitsIndex {
  return JSON.parse(readFileSync(join(dir, 'tests.json'), 'utf8')) as PkitsIndex;
}

/** Whether the PKITS data is where the harness looks for it. */
export function pkitsAvailable(dir: string = DEFAULT_PKITS_DIR): boolean {
  return existsSync(join(dir, 'tests.json'));
}

/** Runs one entry through verifyChain. */
export async function runEntry(dir: string, entry: PkitsEntry, time: string): Promise<PkitsRun> {
  const section = sectionOf(entry.id);
  const base = { key: entry.key, section, name: entry.name, expected: entry.expected };
  const known = KNOWN_DIFFERENCES[entry.key];
  if (known?.skip === true) return { ...base, actual: 'skipped', agrees: false, note: known.reason, ms: 0 };
  const cert = (file: string): Uint8Array => readFileSync(join(dir, 'certs', file));
  const started = performance.now();
  const result = await verifyChain({
    leaf: cert(entry.end_entity),
    intermediates: [...entry.intermediates, ...entry.extra_certs].map(cert),
    trustAnchors: [cert(entry.trust_anchor)],
    crls: entry.crls.map((file) => readFileSync(join(dir, 'crls', file))),
    time,
    purpose: 'any',
    profile: 'none',
    policy: {
      initialPolicySet: entry.settings.initial_policy_set,
      explicitPolicy: entry.settings.initial_explicit_policy,
      inhibitPolicyMapping: entry.settings.initial_policy_mapping_inhibit,
      inhibitAnyPolicy: entry.settings.initial_any_policy_inhibit,
    },
  });
  const ms = performance.now() - started;
  const actual = result.ok ? 'valid' : 'invalid';
  const agrees = actual === entry.expected;
  const run: PkitsRun = {
    ...base,
    actual,
    agrees,
    ms,
    ...(result.ok ? {} : { code: result.code, message: result.message }),
    ...(!result.ok && agrees ? { reasonFits: fits(section, result.code) } : {}),
  };
  if (known === undefined) return run;
  return { ...run, note: agrees ? `listed as a known difference but agrees: ${known.reason}` : known.reason };
}

/** Runs every entry of tests.json and summarises per PKITS section. */
export async function runPkits(dir: string = DEFAULT_PKITS_DIR): Promise<PkitsReport> {
  const index = readIndex(dir);
  const runs: PkitsRun[] = [];
  for (const entry of index.tests) runs.push(await runEntry(dir, entry, index.validation_time));
  return summarise(runs);
}

export function summarise(runs: readonly PkitsRun[]): PkitsReport {
  const bySection = new Map<string, PkitsRun[]>();
  for (const run of runs) bySection.set(run.section, [...(bySection.get(run.section) ?? []), run]);
  const sections = [...bySection.entries()]
    .sort(([a], [b]) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
    .map(([section, list]): PkitsSectionSummary => ({
      section,
      title: SECTION_TITLES[section] ?? '',
      runs: list.length,
      agree: list.filter((r) => r.agrees).length,
      disagree: list.filter((r) => !r.agrees && r.actual !== 'skipped').length,
      skipped: list.filter((r) => r.actual === 'skipped').length,
      agreeOtherReason: list.filter((r) => r.agrees && r.reasonFits === false).length,
    }));
  return {
    total: runs.length,
    agree: runs.filter((r) => r.agrees).length,
    disagree: runs.filter((r) => !r.agrees && r.actual !== 'skipped').length,
    skipped: runs.filter((r) => r.actual === 'skipped').length,
    sections,
    runs,
    slowestMs: Math.max(0, ...runs.map((r) => r.ms)),
  };
}

/** A Markdown rendering: the section table, then every disagreement, skip and off-reason agreement. */
export function formatReport(report: PkitsReport): string {
  const lines = [
    `PKITS: ${report.agree} of ${report.total} runs agree, ${report.disagree} disagree, ${report.skipped} skipped (slowest run ${report.slowestMs.toFixed(0)} ms)`,
    '',
    '| section | title | runs | agree | disagree | skipped | agree, other reason |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...report.sections.map(
      (s) =>
        `| ${s.section} | ${s.title} | ${s.runs} | ${s.agree} | ${s.disagree} | ${s.skipped} | ${s.agreeOtherReason} |`,
    ),
  ];
  const notable = report.runs.filter((r) => !r.agrees || r.reasonFits === false);
  if (notable.length > 0) {
    lines.push('', '| run | title | expected | Keyline | reason |', '| --- | --- | --- | --- | --- |');
    for (const r of notable) {
      const got = r.actual === 'invalid' ? `invalid (${r.code})` : r.actual;
      const why = r.note ?? (r.agrees ? `agrees, for another reason: ${r.message ?? ''}` : (r.message ?? ''));
      lines.push(`| ${r.key} | ${r.name} | ${r.expected} | ${got} | ${why.replaceAll('|', '\\|')} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!pkitsAvailable()) {
    console.error(`PKITS data not found in ${DEFAULT_PKITS_DIR} (set PKITS_DIR)`);
    process.exitCode = 2;
    return;
  }
  const report = await runPkits();
  console.log(process.argv.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
