import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionLine, type DeviceLine } from './support/device-line.js';
import { freePort } from './support/mosquitto.js';
import { pipeline, serve, type Served } from './support/server-process.js';

/**
 * `keyline verify-device --revocation ocsp|crl` against a running `keyline serve --public-url`:
 * a device certificate issued through the REST API carries the server's OCSP and CRL locations
 * (authorityInfoAccess, cRLDistributionPoints); the CLI asks the responder, or fetches the CRL,
 * and verifies the signed answer. After the device is revoked, both refuse it.
 */

let line: DeviceLine;
let server: Served;
let publicUrl: string;
let tokenPath: string;
let serial: string;
const CHIP = 'a1b2c3d4e5f60718';

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${line.inst.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await r.json()) as Record<string, unknown>;
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(answer)}`);
  return answer;
}

const der = (pem: string): Buffer[] =>
  [...pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map((m) =>
    Buffer.from(m[1]!.replace(/\s/g, ''), 'base64'),
  );

beforeAll(async () => {
  line = await provisionLine('keyline-e2e-device-revocation-', 1);
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  server = await serve(line.inst, '--port', String(port), '--public-url', publicUrl);
  // A device key in software and its certificate through the API (PKCS#10 made by OpenSSL).
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(line.inst.path('device.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const csr = await pipeline(`openssl req -new -key device.key -subj /CN=${CHIP}`, line.inst.dir);
  expect(csr.code, csr.stderr).toBe(0);
  const issued = await api('POST', `/api/v1/cas/${line.inst.line1Id}/certificates`, {
    csr: csr.stdout,
    profile: 'device',
  });
  serial = issued.serial as string;
  const ca = await api('GET', `/api/v1/cas/${line.inst.line1Id}`);
  // x5c: the device certificate, the issuing CA, the manufacturer CA (the chain without its root).
  const x5c = [...der(issued.certificatePem as string), ...der(ca.chainPem as string).slice(0, 2)];
  const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
  const header = { alg: 'ES256', typ: 'keyline-attestation+jwt', x5c: x5c.map((d) => d.toString('base64')) };
  const payload = { iss: CHIP, sub: CHIP, aud: 'svc', nonce: 'n-1', iat: Math.floor(Date.now() / 1000) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  tokenPath = line.inst.path('api-device.jwt');
  writeFileSync(tokenPath, `${input}.${b64url(signature)}`);
  // The first OCSP request makes the CA's delegated responder certificate (backdated a few
  // minutes, so a verifier whose clock reads a moment earlier still accepts it).
  await line.run('verify-device', '--trust', line.rootPath, '--revocation', 'ocsp', tokenPath);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  line?.remove();
});

async function verify(how: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await line.run('verify-device', '--trust', line.rootPath, '--revocation', how, '--json', tokenPath);
  return { status: r.status, json: JSON.parse(r.stdout) as Record<string, unknown> };
}

describe('verify-device --revocation ocsp|crl', () => {
  it.each(['ocsp', 'crl'])('--revocation %s: a good device verifies (exit 0)', async (how) => {
    const r = await verify(how);
    expect(r.json, JSON.stringify(r.json)).toMatchObject({ ok: true, deviceId: CHIP });
    expect(r.status).toBe(0);
  });

  it('after the device is revoked, both refuse it with ERR_ATTEST_REVOKED (exit 1)', async () => {
    await api('POST', `/api/v1/cas/${line.inst.line1Id}/certificates/${serial}/revoke`, { reason: 'keyCompromise' });
    for (const how of ['ocsp', 'crl']) {
      const r = await verify(how);
      expect(r.json, how).toMatchObject({ ok: false, code: 'ERR_ATTEST_REVOKED' });
      expect(r.status).toBe(1);
    }
    // The same token without revocation checking still verifies: the refusal is the revocation's.
    expect((await verify('none')).status).toBe(0);
  });
});

describe('a factory-made device with --public-url', () => {
  it('carries the CRL and OCSP locations, verifies by OCSP and CRL, and is refused by both once revoked', async () => {
    const tray = line.inst.path('tray-public-url');
    const made = await line.run('se', 'tray', 'create', '--count', '1', '--json', tray);
    expect(made.status, made.stderr).toBe(0);
    const [chip] = (JSON.parse(made.stdout) as { created: string[] }).created;
    const run = await line.run(
      'factory',
      'run',
      '--ca',
      'line1',
      '--product-id',
      'sensor-1',
      '--count',
      '1',
      '--se',
      `emulator:${tray}`,
      '--batch',
      'with-public-url',
      '--public-url',
      `${publicUrl}/`,
    );
    expect(run.status, run.stderr).toBe(0);
    const definition = line.inst.path('public-url.definition.json');
    const defined = await line.run(
      'factory',
      'definition',
      '--ca',
      'line1',
      '--public-url',
      publicUrl,
      '--out',
      definition,
    );
    expect(defined.status, defined.stderr).toBe(0);
    expect(readFileSync(definition, 'utf8')).toContain(`${publicUrl}/ocsp/`);
    const attest = await line.run(
      'device',
      'attest',
      '--se',
      `emulator:${tray}#${chip!}`,
      '--nonce',
      'n-2',
      '--audience',
      'svc',
      '--definition',
      definition,
      '--json',
    );
    expect(attest.status, attest.stderr).toBe(0);
    const { token, deviceId } = JSON.parse(attest.stdout) as { token: string; deviceId: string };
    const path = line.inst.path('factory-device.jwt');
    writeFileSync(path, token);
    const check = async (how: string): Promise<{ status: number; json: Record<string, unknown> }> => {
      const r = await line.run('verify-device', '--trust', line.rootPath, '--revocation', how, '--json', path);
      return { status: r.status, json: JSON.parse(r.stdout) as Record<string, unknown> };
    };
    for (const how of ['ocsp', 'crl']) {
      const r = await check(how);
      expect(r.json, how).toMatchObject({ ok: true, deviceId });
      expect(r.status).toBe(0);
    }
    await line.revoke(deviceId);
    for (const how of ['ocsp', 'crl']) {
      const r = await check(how);
      expect(r.json, how).toMatchObject({ ok: false, code: 'ERR_ATTEST_REVOKED' });
      expect(r.status).toBe(1);
    }
  }, 120_000);

  it('refuses a --public-url that is not an http(s) URL (exit 2)', async () => {
    const r = await line.run(
      'factory',
      'run',
      '--ca',
      'line1',
      '--product-id',
      'sensor-1',
      '--count',
      '1',
      '--se',
      `emulator:${line.tray}`,
      '--public-url',
      'ftp://example.com',
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ERR_CLI_BAD_OPTION');
  });
});
