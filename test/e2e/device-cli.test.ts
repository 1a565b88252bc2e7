import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REQUIRE_SERVICES,
  SOFTHSM_MODULE,
  TOKEN_PIN,
  provisionLine,
  softHsmAvailable,
  type CliRun,
  type DeviceLine,
} from './support/device-line.js';
import { serve, type Served } from './support/server-process.js';

/**
 * Issue 5 section 2 from the command line and over HTTP, with devices personalised by the factory
 * line: `keyline device attest` signs a token inside the (emulated) element, `keyline
 * verify-device` checks it (exit 0 with the identity, 1 with the reason code, 2 for bad usage),
 * and `keyline serve` issues challenges and verifies tokens for services that delegate.
 */

let line: DeviceLine;
let good: string;
let revoked: string;
const AUDIENCE = 'https://service.example';
const RUN_HSM = REQUIRE_SERVICES || softHsmAvailable();

beforeAll(async () => {
  line = await provisionLine('keyline-e2e-device-cli-', 2);
  [good, revoked] = line.chips as [string, string];
  await line.revoke(revoked);
}, 120_000);
afterAll(() => line?.remove());

async function attest(serial: string, nonce: string, audience = AUDIENCE): Promise<string> {
  const r = await line.run(
    'device',
    'attest',
    '--se',
    `emulator:${line.tray}#${serial}`,
    '--nonce',
    nonce,
    '--audience',
    audience,
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

function tokenFile(name: string, token: string): string {
  const path = line.inst.path(name);
  writeFileSync(path, token);
  return path;
}

function verifyDevice(...args: string[]): Promise<CliRun> {
  return line.run('verify-device', '--trust', line.rootPath, ...args);
}

/** The JSON a --json run printed. */
function json(r: CliRun): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('keyline device attest → keyline verify-device', () => {
  let token: string;
  let file: string;

  beforeAll(async () => {
    token = await attest(good, 'nonce-1');
    file = tokenFile('good.jwt', token);
  });

  it('prints a compact JWS with the chain in x5c and the claims asked for', () => {
    const [header, payload, signature] = token.split('.');
    const h = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { alg: string; typ: string; x5c: string[] };
    expect(h).toMatchObject({ alg: 'ES256', typ: 'keyline-attestation+jwt' });
    expect(h.x5c).toHaveLength(3);
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({
      iss: good,
      sub: good,
      aud: AUDIENCE,
      nonce: 'nonce-1',
    });
    expect(Buffer.from(signature!, 'base64url')).toHaveLength(64);
  });

  it('verifies it: exit 0 with the identity', async () => {
    const r = await verifyDevice('--nonce', 'nonce-1', '--audience', AUDIENCE, file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`OK: device ${good}`);
    expect(r.stdout).toMatch(/manufacturer\s+acme/);
    expect(r.stdout).toMatch(/product\s+sensor-1/);
  });

  it('--json prints the identity and the validated chain; the token may come on stdin', async () => {
    const r = await line.runWithInput(`${token}\n`, 'verify-device', '--trust', line.rootPath, '--json', '-');
    expect(r.status, r.stderr).toBe(0);
    const body = json(r) as { ok: boolean; deviceId: string; chain: string[] };
    expect(body).toMatchObject({
      ok: true,
      deviceId: good,
      manufacturerId: 'acme',
      productId: 'sensor-1',
      serialNumber: good,
    });
    expect(body.chain).toHaveLength(4);
    expect(body.chain[3]!.replace(/\s/g, '')).toBe(line.rootPem.replace(/\s/g, ''));
  });

  it('a tampered token: exit 1 with the reason code', async () => {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, aud: 'https://elsewhere.example' })).toString('base64url');
    const tampered = tokenFile('tampered.jwt', `${header}.${forged}.${signature}`);
    const r = await verifyDevice('--json', tampered);
    expect(r.status).toBe(1);
    expect(json(r)).toEqual({ ok: false, code: 'ERR_ATTEST_SIGNATURE_INVALID', message: expect.any(String) });
    const text = await verifyDevice(tampered);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^FAILED ERR_ATTEST_SIGNATURE_INVALID: /);
  });

  it.each([
    ['another nonce', ['--nonce', 'nonce-2'], 'ERR_ATTEST_NONCE_MISMATCH'],
    ['another audience', ['--audience', 'https://elsewhere.example'], 'ERR_ATTEST_AUDIENCE_MISMATCH'],
    ['a time an hour after the token', ['--at', 'IAT+3600'], 'ERR_ATTEST_IAT_SKEW'],
  ])('refuses the token for %s (exit 1)', async (_name, args, code) => {
    const iat = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;
    const at = new Date((iat + 3600) * 1000).toISOString();
    const r = await verifyDevice('--json', ...args.map((a) => (a === 'IAT+3600' ? at : a)), file);
    expect(r.status).toBe(1);
    expect(json(r).code).toBe(code);
  });

  it('a token that does not parse is a refusal too (exit 1 with its code, not a usage error)', async () => {
    const r = await verifyDevice('--json', tokenFile('junk.jwt', 'not-a-token'));
    expect(r.status).toBe(1);
    expect(json(r).code).toBe('ERR_ATTEST_MALFORMED');
  });

  it('--revocation local refuses a revoked device; without it the same token verifies', async () => {
    const revokedToken = tokenFile('revoked.jwt', await attest(revoked, 'nonce-r'));
    const local = await verifyDevice('--json', '--revocation', 'local', revokedToken);
    expect(local.status).toBe(1);
    expect(json(local).code).toBe('ERR_ATTEST_REVOKED');
    expect((await verifyDevice('--json', '--revocation', 'none', revokedToken)).status).toBe(0);
    expect((await verifyDevice('--json', '--revocation', 'local', file)).status).toBe(0);
  });

  it.each(['ocsp', 'crl'])(
    '--revocation %s refuses when the device certificate names no responder or CRL (exit 1)',
    async (how) => {
      const r = await verifyDevice('--json', '--revocation', how, file);
      expect(r.status).toBe(1);
      expect(json(r).code).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    },
  );

  it.each([
    ['no --trust', () => line.run('verify-device', file)],
    ['an unknown --revocation', () => verifyDevice('--revocation', 'maybe', file)],
    ['an --at that is not a time', () => verifyDevice('--at', 'yesterday', file)],
    ['a token file that does not exist', () => verifyDevice(line.inst.path('missing.jwt'))],
    ['a trust file that is not a certificate', () => line.run('verify-device', '--trust', file, file)],
    ['no token argument', () => verifyDevice()],
  ])('bad usage: %s (exit 2)', async (_name, run) => {
    expect((await run()).status).toBe(2);
  });

  it.each([
    ['an --se of another kind', ['--se', 'usb:1', '--nonce', 'n', '--audience', 'a']],
    [
      'an emulator --se without a chip serial',
      ['--se', 'emulator:/nonexistent-tray', '--nonce', 'n', '--audience', 'a'],
    ],
    ['no --nonce', ['--se', `emulator:x#${'0'.repeat(18)}`, '--audience', 'a']],
    ['no --audience', ['--se', `emulator:x#${'0'.repeat(18)}`, '--nonce', 'n']],
  ])('device attest: bad usage for %s (exit 2)', async (_name, args) => {
    const r = await line.run('device', 'attest', ...args);
    expect(r.status).toBe(2);
  });

  it('device attest: a chip that is not in the tray is a negative answer (exit 1)', async () => {
    const r = await line.run(
      'device',
      'attest',
      '--se',
      `emulator:${line.tray}#${'0'.repeat(18)}`,
      '--nonce',
      'n',
      '--audience',
      'a',
      '--json',
    );
    expect(r.status).toBe(1);
    expect(json(r).code).toBe('ERR_SE_CHIP_NOT_FOUND');
  });
});

describe.runIf(RUN_HSM)('a SoftHSM2 token device (PKCS#11)', () => {
  it('attests with its key on the token, and the token verifies (exit 0)', async () => {
    const deviceId = await line.provisionToken('cli-token');
    const se = `pkcs11:token=cli-token?pin-value=${TOKEN_PIN}&module-path=${SOFTHSM_MODULE}`;
    const attested = await line.run(
      'device',
      'attest',
      '--se',
      se,
      '--nonce',
      'n-hsm',
      '--audience',
      AUDIENCE,
      '--json',
    );
    expect(attested.status, attested.stderr).toBe(0);
    const { token } = json(attested) as { token: string };
    const r = await verifyDevice(
      '--json',
      '--nonce',
      'n-hsm',
      '--audience',
      AUDIENCE,
      '--revocation',
      'local',
      tokenFile('hsm.jwt', token),
    );
    expect(r.status, r.stdout).toBe(0);
    expect(json(r)).toMatchObject({ ok: true, deviceId, manufacturerId: 'acme', productId: 'sensor-1' });
  }, 60_000);
});

describe('keyline serve: challenges and verification for services that delegate', () => {
  let server: Served;

  beforeAll(async () => {
    server = await serve(line.inst);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${line.inst.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  }

  it('a nonce from POST /api/v1/challenges, a token from the device, 200 from POST /api/v1/verify; once', async () => {
    const challenge = await post('/api/v1/challenges');
    expect(challenge.status).toBe(201);
    const nonce = challenge.body.nonce as string;
    const token = await attest(good, nonce);
    const verified = await post('/api/v1/verify', { token, audience: AUDIENCE });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, deviceId: good, manufacturerId: 'acme', productId: 'sensor-1' });
    const replay = await post('/api/v1/verify', { token, audience: AUDIENCE });
    expect(replay.status).toBe(422);
    expect(replay.body).toMatchObject({ ok: false, code: 'ERR_ATTEST_NONCE_REPLAYED' });
  });

  it('refuses a revoked device (422 ERR_ATTEST_REVOKED)', async () => {
    const nonce = (await post('/api/v1/challenges')).body.nonce as string;
    const r = await post('/api/v1/verify', { token: await attest(revoked, nonce) });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ ok: false, code: 'ERR_ATTEST_REVOKED' });
  });
});
