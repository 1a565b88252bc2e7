import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CASE_TIME_LIMIT_MS,
  SCORED_FAMILIES,
  formatReport,
  limboAvailable,
  runLimbo,
  type LimboReport,
} from './limbo.js';

/**
 * x509-limbo through `verifyChain` of the built @keyline/core (`npm run build` first). Issue 2
 * section 4: at least 97% agreement on the applicable rfc5280, pathlen, crl, cve, pathological and
 * invalid cases; no case crashes or runs longer than a second; every disagreement and skip is listed
 * with its reason in docs/conformance.md.
 */
it('has the vendored x509-limbo data (test/conformance/data/x509-limbo)', () => {
  expect(limboAvailable()).toBe(true);
});

describe('x509-limbo conformance (docs/conformance.md)', () => {
  let report: LimboReport;
  const doc = readFileSync(resolve(import.meta.dirname, '../../docs/conformance.md'), 'utf8');

  beforeAll(async () => {
    report = await runLimbo();
  }, 120_000);

  it('runs every case, skipped ones included, without an exception', () => {
    expect(report.runs.length).toBeGreaterThan(200);
    expect(report.runs.filter((r) => r.actual === 'CRASH').map((r) => `${r.id}: ${r.message}`)).toEqual([]);
  });

  it(`finishes every case within ${CASE_TIME_LIMIT_MS} ms`, () => {
    const slow = report.runs.filter((r) => r.ms >= CASE_TIME_LIMIT_MS).map((r) => `${r.id}: ${r.ms.toFixed(0)} ms`);
    expect(slow).toEqual([]);
  });

  it('agrees on at least 97% of the applicable cases of the scored families', () => {
    expect(report.scoredAgreement, formatReport(report)).toBeGreaterThanOrEqual(0.97);
  });

  it('scores most of those families: skips stay few', () => {
    const scored = report.runs.filter((r) => SCORED_FAMILIES.includes(r.family));
    expect(report.scored.skip / scored.length).toBeLessThan(0.1);
  });

  it('agrees on every CRL and path-building (pathological, pathlen) case it scores', () => {
    for (const family of ['crl', 'pathological', 'pathlen']) {
      const counts = report.families.find((f) => f.family === family)!;
      expect(counts.disagree, family).toBe(0);
    }
  });

  it('lists every disagreement and every skip of the scored families in docs/conformance.md', () => {
    const unlisted = report.runs
      .filter((r) => r.verdict === 'disagree' || (r.verdict === 'skip' && SCORED_FAMILIES.includes(r.family)))
      .filter((r) => !doc.includes(`\`${r.id}\``))
      .map((r) => r.id);
    expect(unlisted).toEqual([]);
  });
});
