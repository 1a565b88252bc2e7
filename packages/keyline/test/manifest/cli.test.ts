import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePem } from '@keyline/core';
import { device, hierarchy, linesOf, writeLines, writeManifest } from './fixture.js';

// The real binary (run `npm run build` first, as `npm test` does).
const bin = resolve(import.meta.dirname, '../../bin/keyline.js');
const dir = mkdtempSync(join(tmpdir(), 'keyline-manifest-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rootPem = join(dir, 'root.pem');
const good = join(dir, 'good.jsonl');
const bad = join(dir, 'bad.jsonl');

function keyline(...args: string[]) {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  const h = await hierarchy();
  writeFileSync(rootPem, encodePem('CERTIFICATE', h.root.der));
  await writeManifest(
    good,
    h,
    Array.from({ length: 20 }, (_, i) => device(h, i)),
  );
  const lines = linesOf(good);
  [lines[6], lines[7]] = [lines[7]!, lines[6]!];
  writeLines(bad, lines);
});

describe('keyline manifest (the real binary)', () => {
  it('verify: exit 0 for a valid manifest', () => {
    const run = keyline('manifest', 'verify', '--trust', rootPem, good);
    expect(run.stdout).toMatch(/^OK: .*20 devices, batch batch-1/);
    expect(run.status).toBe(0);
  });

  it('verify: exit 1 with the reason and the entry for a tampered one', () => {
    const run = keyline('manifest', 'verify', '--trust', rootPem, bad);
    expect(run.stdout).toMatch(/INVALID: .*entry 5 \(line 7\): ERR_MANIFEST_INDEX_MISMATCH/);
    expect(run.status).toBe(1);
    const json = keyline('manifest', 'verify', '--json', '--trust', rootPem, bad);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: 'ERR_MANIFEST_INDEX_MISMATCH', index: 5 });
    expect(json.status).toBe(1);
  });

  it('verify: exit 2 for a missing file, a missing --trust, or a trust file that is not a certificate', () => {
    expect(keyline('manifest', 'verify', '--trust', rootPem, join(dir, 'nope.jsonl')).status).toBe(2);
    expect(keyline('manifest', 'verify', good).status).toBe(2);
    expect(keyline('manifest', 'verify', '--trust', good, good).status).toBe(2);
    expect(keyline('manifest', 'verify', '--trust', join(dir, 'nope.pem'), good).status).toBe(2);
  });

  it('proof and verify-proof: exit 0 for a genuine proof, 1 for a changed one', () => {
    const proof = keyline('manifest', 'proof', good, '13');
    expect(proof.status).toBe(0);
    const path = join(dir, 'proof.json');
    writeFileSync(path, proof.stdout);
    const ok = keyline('manifest', 'verify-proof', '--trust', rootPem, path);
    expect(ok.stdout).toMatch(/^OK: entry 13, device 01000000000000000d/);
    expect(ok.status).toBe(0);
    const changed = JSON.parse(proof.stdout) as { auditPath: string[] };
    changed.auditPath[0] = '00'.repeat(32);
    writeFileSync(path, JSON.stringify(changed));
    const refused = keyline('manifest', 'verify-proof', '--trust', rootPem, path);
    expect(refused.stdout).toMatch(/INVALID: ERR_MANIFEST_PROOF_INVALID/);
    expect(refused.status).toBe(1);
    expect(keyline('manifest', 'proof', good, '20').status).toBe(2);
    expect(keyline('manifest', 'proof', good, 'x').status).toBe(2);
  });
});
