import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'keyline-manifest-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COUNT = 200_000;

describe('manifest memory', () => {
  it('writes, verifies and proves 200,000 entries (~140 MB) in a 48 MB heap with bounded RSS growth', () => {
    const child = resolve(import.meta.dirname, 'memory-child.ts');
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=48', '--import', 'tsx', child, join(dir, 'big.jsonl'), String(COUNT)],
      { encoding: 'utf8', cwd: resolve(import.meta.dirname, '../../../..') },
    );
    const report = JSON.parse(out) as {
      result: { ok: boolean; count: number };
      size: number;
      pathLength: number;
      growth: number;
    };
    expect(report.result).toMatchObject({ ok: true, count: COUNT });
    expect(report.size).toBeGreaterThan(COUNT * 500);
    expect(report.pathLength).toBe(18);
    expect(report.growth).toBeLessThan(100 * 1024 * 1024);
  }, 60_000);
});
