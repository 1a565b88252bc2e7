import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/policy/lint/rules/index.js';
import {
  KEYLINE_ARC,
  KEYLINE_ATTRIBUTE,
  KEYLINE_HARDWARE_TYPE,
  KEYLINE_POLICY,
  KEYLINE_UUID,
} from '../../src/policy/oids.js';
import { PROFILES } from '../../src/policy/profiles/index.js';
import { PROFILE_NAMES } from '../../src/policy/profiles/types.js';

/** docs/certificate-policy.md is the published policy; it must say what the code enforces. */
const DOC = readFileSync(resolve(__dirname, '../../../../docs/certificate-policy.md'), 'utf8');

/** The rows of the lint rule table (section 7.2): id → [severity, clause]. */
function ruleRows(): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of DOC.split('\n')) {
    const m = /^\| `([a-z0-9.-]+)` \| (error|warning|notice) \| ([^|]+) \|/.exec(line);
    if (m) rows.set(m[1]!, [m[2]!, m[3]!.trim()]);
  }
  return rows;
}

describe('docs/certificate-policy.md', () => {
  it('lists every lint rule with its severity and clause, and no rule that does not exist', () => {
    const rows = ruleRows();
    expect([...rows.keys()].sort()).toEqual(RULES.map((r) => r.id).sort());
    for (const rule of RULES) expect(rows.get(rule.id)).toEqual([rule.severity, rule.clause]);
  });

  it('has a section for every clause a rule or profile cites', () => {
    const clauses = [...RULES.map((r) => r.clause), ...Object.values(PROFILES).map((p) => p.clause)];
    for (const clause of clauses.filter((c) => c.startsWith('KECP '))) {
      const section = clause.slice('KECP '.length);
      expect(DOC, clause).toMatch(new RegExp(`^#{2,3} ${section.replaceAll('.', '\\.')}\\.? `, 'm'));
    }
  });

  it('publishes the arc, its UUID and every OID under it', () => {
    expect(DOC).toContain(KEYLINE_UUID);
    expect(DOC).toContain(KEYLINE_ARC);
    const suffixes = [
      ...Object.values(KEYLINE_POLICY),
      ...Object.values(KEYLINE_ATTRIBUTE),
      ...Object.values(KEYLINE_HARDWARE_TYPE),
    ].map((oid) => `\`ARC${oid.slice(KEYLINE_ARC.length)}\``);
    for (const suffix of suffixes) expect(DOC).toContain(suffix);
  });

  it('has a section per profile titled as the code titles it', () => {
    for (const name of PROFILE_NAMES) {
      const p = PROFILES[name];
      expect(DOC).toMatch(new RegExp(`^### ${p.clause.slice(5).replace('.', '\\.')} ${p.title}`, 'm'));
    }
  });
});
