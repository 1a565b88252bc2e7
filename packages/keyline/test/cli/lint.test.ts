import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { X, certDer, hierarchy, withExt, type CertSpec } from '../../../core/test/policy/fixtures/build.js';
import { OID } from '../../../core/src/x509/oids.js';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function keyline(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`), isTty: false };
  const code = await main(['node', 'keyline', ...args], io);
  return { code, out, err };
}

function pem(der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

describe('keyline lint', () => {
  const h = hierarchy();
  let dir: string;
  const p = (name: string) => join(dir, name);
  const write = (name: string, spec: CertSpec) => writeFileSync(p(name), pem(certDer(spec)));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyline-lint-cli-'));
    write('root.pem', h.specs.root);
    write('manufacturer.pem', h.specs['manufacturer-ca']);
    write('issuing.pem', h.specs['issuing-ca']);
    write('device.pem', h.specs.device);
    write('ocsp.pem', h.specs['ocsp-signer']);
    write('ldevid.pem', h.specs.ldevid);
    writeFileSync(p('device.der'), certDer(h.specs.device));
    write('device-bad.pem', {
      ...h.specs.device,
      serial: Uint8Array.of(1, 2, 3, 4),
      subject: [...h.specs.device.subject.slice(0, 3), [[OID.commonName, 'Thermostat 42']]],
    });
    write('issuing-warning.pem', withExt(h.specs['issuing-ca'], X.ski(Uint8Array.of(1, 2, 3, 4))));
    writeFileSync(p('garbage.pem'), 'this is not a certificate\n');
    writeFileSync(p('garbage.der'), Uint8Array.of(0x30, 0x82, 0xff, 0xff, 0x01));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on a conforming certificate and says which profile it used', async () => {
    const run = await keyline('lint', '--profile', 'device', p('device.pem'));
    expect(run.code).toBe(0);
    expect(run.out).toBe(`${p('device.pem')}: Device IDevID (device): 0 errors, 0 warnings\n`);
  });

  it('detects the profile by default (--profile auto)', async () => {
    for (const [file, name] of [
      ['root.pem', 'root'],
      ['manufacturer.pem', 'manufacturer-ca'],
      ['issuing.pem', 'issuing-ca'],
      ['device.pem', 'device'],
      ['ldevid.pem', 'ldevid'],
      ['ocsp.pem', 'ocsp-signer'],
    ] as const) {
      const run = await keyline('lint', p(file));
      expect(run.code).toBe(0);
      expect(run.out).toContain(`(${name}, detected): 0 errors, 0 warnings`);
    }
  });

  it('reads DER as well as PEM', async () => {
    const run = await keyline('lint', '--profile', 'device', p('device.der'));
    expect(run.code).toBe(0);
  });

  it('exits 1 and lists each error with its id, message and clause', async () => {
    const run = await keyline('lint', p('device-bad.pem'));
    expect(run.code).toBe(1);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/: Device IDevID \(device, detected\): 3 errors, 0 warnings$/);
    expect(lines.slice(1).join('\n')).toMatch(
      /^ {2}error {3}kecp\.serial-entropy +serial number has 4 significant octets.*\[KECP 4\.1\]$/m,
    );
    expect(run.out).toMatch(/kecp\.device-id +commonName "Thermostat 42" is not a device id/);
    expect(run.out).toMatch(/kecp\.device-id-hardware-serial/);
  });

  it('prints JSON with --json', async () => {
    const run = await keyline('lint', '--json', p('device-bad.pem'));
    expect(run.code).toBe(1);
    const body = JSON.parse(run.out) as {
      ok: boolean;
      profile: string;
      detected: boolean;
      subject: string;
      findings: Array<{ id: string; severity: string; message: string; clause: string }>;
    };
    expect(body).toMatchObject({ ok: false, profile: 'device', detected: true });
    expect(body.subject).toBe(
      'CN=Thermostat 42,serialNumber=TH2-000042,keylineProductId=thermo-2,keylineManufacturerId=acme',
    );
    expect(body.findings[0]).toEqual({
      id: 'kecp.serial-entropy',
      severity: 'error',
      message: 'serial number has 4 significant octets; at least 9 are required for 64 bits of entropy',
      clause: 'KECP 4.1',
    });
    const clean = JSON.parse((await keyline('lint', '--json', '--profile', 'device', p('device.pem'))).out) as {
      ok: boolean;
      findings: unknown[];
    };
    expect(clean).toMatchObject({ ok: true, findings: [] });
  });

  it('exits 0 when the findings are only warnings', async () => {
    const run = await keyline('lint', '--profile', 'issuing-ca', p('issuing-warning.pem'));
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/0 errors, 1 warning\n/);
    expect(run.out).toMatch(/warning +kecp\.subject-key-identifier-method/);
  });

  it('judges against the profile named, and checks the link to an --issuer', async () => {
    expect((await keyline('lint', '--profile', 'issuing-ca', p('device.pem'))).code).toBe(1);
    expect((await keyline('lint', '--issuer', p('issuing.pem'), p('device.pem'))).code).toBe(0);
    const wrong = await keyline('lint', '--issuer', p('manufacturer.pem'), p('device.pem'));
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/kecp\.issuer-linkage +issuer name differs/);
  });

  it('exits 2 for an unknown profile, in text and in JSON', async () => {
    const run = await keyline('lint', '--profile', 'gateway', p('device.pem'));
    expect(run.code).toBe(2);
    expect(run.err).toMatch(
      /ERR_POLICY_UNKNOWN_PROFILE: unknown profile "gateway"; use one of auto, root, manufacturer-ca/,
    );
    const json = await keyline('lint', '--json', '--profile', 'gateway', p('device.pem'));
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, code: 'ERR_POLICY_UNKNOWN_PROFILE' });
  });

  it('exits 2 for a missing, unreadable or malformed file', async () => {
    const missing = await keyline('lint', p('nope.pem'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/ERR_CLI_UNREADABLE_FILE: cannot read .*nope\.pem \(ENOENT\)/);
    const notPem = await keyline('lint', p('garbage.pem'));
    expect(notPem.code).toBe(2);
    expect(notPem.err).toMatch(/certificate .*garbage\.pem/);
    const badDer = await keyline('lint', p('garbage.der'));
    expect(badDer.code).toBe(2);
    expect(badDer.err).toMatch(/ERR_DER_/);
    expect((await keyline('lint', '--issuer', p('garbage.pem'), p('device.pem'))).code).toBe(2);
  });

  it('exits 2 for bad usage', async () => {
    expect((await keyline('lint')).code).toBe(2);
    expect((await keyline('lint', '--frobnicate', p('device.pem'))).code).toBe(2);
  });

  it('runs as the real binary with the same exit codes', () => {
    const bin = resolve(__dirname, '../../bin/keyline.js');
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'lint', ...args], { encoding: 'utf8' });
    const ok = run('--profile', 'device', p('device.pem'));
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('Device IDevID (device): 0 errors, 0 warnings');
    const bad = run('--json', p('device-bad.pem'));
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { ok: boolean }).ok).toBe(false);
    const usage = run('--profile', 'nope', p('device.pem'));
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('ERR_POLICY_UNKNOWN_PROFILE');
  });
});
