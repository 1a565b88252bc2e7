import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = resolve(import.meta.dirname, '../../packages/keyline/bin/keyline.js');
const out = mkdtempSync(join(tmpdir(), 'keyline-demo-e2e-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('keyline demo (the README quickstart main job), through the real binary', () => {
  it('issues, lints and verifies devices, refuses the bad ones, and OpenSSL agrees', () => {
    const run = spawnSync(process.execPath, [bin, 'demo', '--devices', '40', '--out', out, '--json'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      ok: boolean;
      devices: { issued: number; lintClean: number; verified: number };
      refusals: { code: string }[];
    };
    expect(summary.ok).toBe(true);
    expect(summary.devices).toMatchObject({ issued: 40, lintClean: 40, verified: 40 });
    expect(summary.refusals.map((r) => r.code)).toEqual([
      'ERR_PATH_BAD_SIGNATURE',
      'ERR_PATH_EXPIRED',
      'ERR_PATH_BAD_SIGNATURE',
    ]);

    const verified = execFileSync(
      'openssl',
      [
        'verify',
        '-x509_strict',
        '-CAfile',
        join(out, 'root.pem'),
        '-untrusted',
        join(out, 'intermediates.pem'),
        join(out, 'device-0.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(verified.trim()).toMatch(/OK$/);
    const bundle = readFileSync(join(out, 'devices.pem'), 'utf8');
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(40);
  });

  it('refuses a bad --devices value with exit code 2', () => {
    const run = spawnSync(process.execPath, [bin, 'demo', '--devices', 'many'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('ERR_CLI_BAD_OPTION');
  });
});
