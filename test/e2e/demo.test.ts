import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../../packages/keyline/bin/keyline.js');
const out = mkdtempSync(join(tmpdir(), 'keyline-demo-e2e-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Summary {
  ok: boolean;
  manufacturers: {
    name: string;
    batch: { total: number; done: number; quarantined: number; manifestPath: string };
    manifest: { ok: boolean; entries: number };
  }[];
  attestation: { accepted: number; refused: unknown[] };
  mutualTls: { accepted: number; refused: unknown[] };
  revocation: { deviceId: string; attestation: string; mutualTls: string };
}

describe('keyline demo (the README quickstart main job), through the real binary', () => {
  it('provisions two manufacturers’ chips, verifies manifests, attests, connects with mutual TLS, refuses a revoked device', () => {
    const run = spawnSync(process.execPath, [bin, 'demo', '--devices', '30', '--out', join(out, 'data'), '--json'], {
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as Summary;
    expect(summary.ok).toBe(true);
    expect(summary.manufacturers.map((m) => [m.batch.total, m.batch.done, m.batch.quarantined])).toEqual([
      [30, 30, 0],
      [10, 10, 0],
    ]);
    expect(summary.manufacturers.map((m) => m.manifest)).toEqual([
      { ok: true, entries: 30 },
      { ok: true, entries: 10 },
    ]);
    expect(summary.attestation).toMatchObject({ accepted: 40, refused: [] });
    expect(summary.mutualTls).toMatchObject({ accepted: 40, refused: [] });
    expect(summary.revocation.attestation).toBe('ERR_ATTEST_REVOKED');
    expect(summary.revocation.mutualTls).not.toBe('accepted');

    // The buyer's check through the CLI agrees with the demo's.
    const manifest = summary.manufacturers[0]!.batch.manifestPath;
    const verify = spawnSync(
      process.execPath,
      [bin, 'manifest', 'verify', '--trust', join(out, 'data', 'root.pem'), manifest],
      { encoding: 'utf8' },
    );
    expect(verify.status).toBe(0);
  }, 180_000);

  it('refuses a bad --devices value with exit code 2', () => {
    const run = spawnSync(process.execPath, [bin, 'demo', '--devices', 'many'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('ERR_CLI_BAD_OPTION');
  });
});
