import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolOverEst, install, serve, sh, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve --ocsp-port` (the dedicated OCSP listener, server/ocsp/listener.ts) and
 * `--ocsp-workers` (the listener in worker processes) end to end: the real binary, a certificate
 * enrolled over EST with curl, `openssl ocsp -url` against the OCSP port.
 */
let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
let server: Served;
let ocspUrl = '';

beforeAll(async () => {
  inst = install('keyline-e2e-ocsp-port-');
  server = await serve(inst, '--ocsp-port', '0', '--ocsp-workers', '2');
  ocspUrl = /ocsp on (http:\/\/\S+)/.exec(server.stdout())![1]!;
  const { ca } = await enrolOverEst(inst, server, '00112233aabbccee', inst.line1Id);
  const certs = ca.chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;
  await sh(
    'sh',
    [
      '-c',
      `cat > issuer.pem <<'X'\n${ca.certificatePem}X\ncat > root.pem <<'X'\n${certs[2]}X\ncat > untrusted.pem <<'X'\n${certs[0]}${certs[1]}X`,
    ],
    { cwd: inst.dir },
  );
}, 90_000);
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop();
  inst?.remove();
});

const ocsp = (url: string) =>
  sh(
    'openssl',
    [
      ...['ocsp', '-url', `${url}/ocsp/${inst.line1Id}`, '-issuer', 'issuer.pem', '-cert', 'device.pem'],
      ...['-CAfile', 'root.pem', '-verify_other', 'untrusted.pem'],
    ],
    { cwd: inst.dir },
  );

describe('keyline serve --ocsp-port --ocsp-workers 2', () => {
  it('prints the OCSP port beside the main one; openssl ocsp -url against it says good, verified', async () => {
    expect(server.stdout()).toMatch(
      /ocsp on http:\/\/127\.0\.0\.1:\d+ \(OCSP only, at \/ocsp\/<ca-id>, 2 worker processes\)/,
    );
    expect(ocspUrl).not.toBe(server.url);
    for (let i = 0; i < 4; i++) {
      const r = await ocsp(ocspUrl);
      expect(r.stdout + r.stderr).toContain('Response verify OK');
      expect(r.stdout).toContain('device.pem: good');
    }
  });

  it('serves OCSP only: the API is not there', async () => {
    const r = await sh('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', `${ocspUrl}/healthz`]);
    expect(r.stdout).toBe('404');
  });

  it('after `keyline revoke` (another process), the workers answer revoked', async () => {
    const serial = (await sh('openssl', ['x509', '-in', 'device.pem', '-noout', '-serial'], { cwd: inst.dir })).stdout
      .trim()
      .split('=')[1]!;
    inst.keyline('revoke', '--ca', 'line1', serial.toLowerCase(), '--reason', 'keyCompromise');
    // Each worker must have seen it: several answers in a row, over new connections (either worker).
    let revokedInARow = 0;
    for (let attempt = 0; attempt < 60 && revokedInARow < 6; attempt++) {
      const r = await ocsp(ocspUrl);
      revokedInARow = r.stdout.includes('device.pem: revoked') ? revokedInARow + 1 : 0;
      if (revokedInARow === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(revokedInARow).toBe(6);
  });

  it('stops on SIGTERM with its workers', async () => {
    const pids = readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(pids).toHaveLength(2);
    expect(await server.stop()).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe('keyline serve --ocsp-port (one process)', () => {
  it('answers openssl ocsp -url on the OCSP port; --ocsp-workers without --ocsp-port is refused', async () => {
    const single = await serve(inst, '--ocsp-port', '0');
    try {
      const url = /ocsp on (http:\/\/\S+) \(OCSP only, at \/ocsp\/<ca-id>\)/.exec(single.stdout())![1]!;
      const r = await ocsp(url);
      expect(r.stdout + r.stderr).toContain('Response verify OK');
      expect(r.stdout).toContain('device.pem: revoked');
    } finally {
      await single.stop();
    }
    await expect(serve(inst, '--ocsp-workers', '2')).rejects.toThrow(/--ocsp-workers needs --ocsp-port/);
  });
});
