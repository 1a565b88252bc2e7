import { beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_DIFFERENCES, formatReport, pkitsAvailable, runPkits, type PkitsReport } from './pkits.js';

it('has the vendored PKITS data (test/conformance/data/pkits)', () => {
  expect(pkitsAvailable()).toBe(true);
});

/**
 * NIST PKITS through `verifyChain` of the built @keyline/core (`npm run build` first). The floor:
 * every disagreement is a listed known difference (a feature Keyline does not claim: DSA, indirect
 * CRLs; or a deliberate strictness: negative serials), no fewer than 233 of the 243 runs agree,
 * the policy (4.8-4.12) and name-constraint (4.13) sections agree fully and for the right reason,
 * and no run takes a second.
 */
describe('NIST PKITS conformance (docs/conformance.md)', () => {
  let report: PkitsReport;

  beforeAll(async () => {
    report = await runPkits();
  }, 120_000);

  it('runs all 243 entries without an exception', () => {
    expect(report.total).toBe(243);
    expect(report.skipped).toBe(0);
  });

  it('disagrees only where a known difference says why', () => {
    const unexplained = report.runs.filter((r) => !r.agrees && KNOWN_DIFFERENCES[r.key] === undefined);
    expect(
      unexplained.map(
        (r) => `${r.key} ${r.name}: expected ${r.expected}, got ${r.actual} ${r.code ?? ''} ${r.message ?? ''}`,
      ),
    ).toEqual([]);
  });

  it('agrees on at least 233 of 243 runs', () => {
    expect(report.agree, formatReport(report)).toBeGreaterThanOrEqual(233);
  });

  it('agrees on every policy and name-constraint run, each invalid one for a policy or name-constraint reason', () => {
    for (const section of ['4.8', '4.9', '4.10', '4.11', '4.12', '4.13']) {
      const summary = report.sections.find((s) => s.section === section)!;
      expect(summary.agree, `section ${section}`).toBe(summary.runs);
      expect(summary.agreeOtherReason, `section ${section}`).toBe(0);
    }
  });

  it('agrees fully on validity, name chaining, self-issued certificates, basic constraints and key usage', () => {
    for (const section of ['4.2', '4.3', '4.5', '4.6', '4.7']) {
      const summary = report.sections.find((s) => s.section === section)!;
      expect(summary.agree, `section ${section}`).toBe(summary.runs);
    }
  });

  it('finishes every run within a second', () => {
    expect(report.slowestMs).toBeLessThan(1000);
  });
});
