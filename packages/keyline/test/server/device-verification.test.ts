import { generateKeyPairSync } from 'node:crypto';
import { ERROR_REGISTRY } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueDevicePopulation } from './support/device-population.js';
import { attestationToken, issueTestDevice, type TestDevice } from './support/devices.js';
import { bearer, serverFixture, type ServerFixture } from './support/fixture.js';

/**
 * Issue 5 section 2: POST /api/v1/challenges and POST /api/v1/verify in process. A good token
 * verifies once; each bad token is refused with its own code and the status the problem table
 * gives it; nothing is ever written to the database.
 */

let f: ServerFixture;
let device: TestDevice;
let revoked: TestDevice;
let stranger: TestDevice;
const AUDIENCE = 'https://service.example';

beforeAll(async () => {
  f = await serverFixture();
  const population = await issueDevicePopulation(f);
  ({ good: device, revoked, stranger } = population);
  // The other root is not a trust anchor of this server: only active roots are, so retire it.
  await f.store.cas.setStatus(population.otherRoot.id, 'retired');
}, 60_000);
afterAll(() => f.close());

const now = (): number => Math.floor(f.clock.now().getTime() / 1000);

async function challenge(secret = f.tokens.auditor): Promise<string> {
  const r = await f.app.inject({ method: 'POST', url: '/api/v1/challenges', headers: bearer(secret) });
  expect(r.statusCode).toBe(201);
  return (JSON.parse(r.body) as { nonce: string }).nonce;
}

function verify(body: unknown, secret = f.tokens.auditor) {
  return f.app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    headers: { ...bearer(secret), 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface Refusal {
  ok: false;
  code: string;
  message: string;
  status: number;
  type: string;
  detail: string;
}

function refusal(r: { statusCode: number; headers: Record<string, unknown>; body: string }): Refusal {
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(r.body) as Refusal;
  expect(body.ok).toBe(false);
  expect(body.status).toBe(r.statusCode);
  expect(body.type).toBe(`urn:keyline:error:${body.code}`);
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

describe('POST /api/v1/challenges', () => {
  it('issues a fresh 32-octet base64url nonce that expires in 5 minutes (201)', async () => {
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/challenges', headers: bearer(f.tokens.operator) });
    expect(r.statusCode).toBe(201);
    const body = JSON.parse(r.body) as { nonce: string; expiresAt: string };
    expect(Buffer.from(body.nonce, 'base64url')).toHaveLength(32);
    expect(new Date(body.expiresAt).getTime() - f.clock.now().getTime()).toBe(5 * 60 * 1000);
    expect(await challenge()).not.toBe(body.nonce);
  });

  it('needs an API token (401)', async () => {
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/challenges' });
    expect(r.statusCode).toBe(401);
    expect(JSON.parse(r.body).code).toBe('ERR_SERVER_UNAUTHENTICATED');
  });
});

describe('POST /api/v1/verify', () => {
  it('answers a good token with the verified identity and its chain (200)', async () => {
    const nonce = await challenge();
    const token = attestationToken(device, { nonce, audience: AUDIENCE, iat: now() });
    const r = await verify({ token, audience: AUDIENCE });
    expect(r.statusCode, r.body).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown> & { chain: string[] };
    expect(body).toMatchObject({
      ok: true,
      deviceId: device.deviceId,
      manufacturerId: 'acme',
      productId: 'sensor-1',
      serialNumber: device.deviceId,
    });
    expect(body.chain).toHaveLength(4);
    expect(body.chain[0]).toContain('-----BEGIN CERTIFICATE-----');
    expect(Buffer.from(body.chain[0]!.replace(/-----[^-]+-----|\s/g, ''), 'base64')).toEqual(
      Buffer.from(device.chain[0]!),
    );
  });

  it('refuses the same token again: the nonce is single use (422)', async () => {
    const nonce = await challenge();
    const token = attestationToken(device, { nonce, audience: AUDIENCE, iat: now() });
    expect((await verify({ token })).statusCode).toBe(200);
    const again = await verify({ token });
    expect(again.statusCode).toBe(422);
    expect(refusal(again).code).toBe(CODES.replayed);
  });

  it('refuses an expired nonce (422)', async () => {
    const nonce = await challenge();
    f.clock.advance(6 * 60 * 1000);
    try {
      const r = await verify({ token: attestationToken(device, { nonce, audience: AUDIENCE, iat: now() }) });
      expect(r.statusCode).toBe(422);
      expect(refusal(r).code).toBe(CODES.expired);
    } finally {
      f.clock.advance(-6 * 60 * 1000);
    }
  });

  it('refuses an expired device certificate (422 ERR_PATH_EXPIRED)', async () => {
    const shortLived = await issueTestDevice(f.ca, f.line1, f.acme, { validityDays: 1 });
    f.clock.advance(2 * 24 * 3600 * 1000);
    try {
      const nonce = await challenge();
      const r = await verify({ token: attestationToken(shortLived, { nonce, audience: AUDIENCE, iat: now() }) });
      expect(r.statusCode).toBe(422);
      expect(refusal(r).code).toBe('ERR_PATH_EXPIRED');
    } finally {
      f.clock.advance(-2 * 24 * 3600 * 1000);
    }
  });

  it('refuses a device certificate that is not valid yet (422 ERR_PATH_NOT_YET_VALID)', async () => {
    f.clock.advance(-3 * 3600 * 1000);
    try {
      const nonce = await challenge();
      const r = await verify({ token: attestationToken(device, { nonce, audience: AUDIENCE, iat: now() }) });
      expect(r.statusCode).toBe(422);
      expect(refusal(r).code).toBe('ERR_PATH_NOT_YET_VALID');
    } finally {
      f.clock.advance(3 * 3600 * 1000);
    }
  });

  it('refuses a revoked device (422 ERR_ATTEST_REVOKED)', async () => {
    const nonce = await challenge();
    const r = await verify({ token: attestationToken(revoked, { nonce, audience: AUDIENCE, iat: now() }) });
    expect(r.statusCode).toBe(422);
    expect(refusal(r).code).toBe('ERR_ATTEST_REVOKED');
  });

  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const cases: ReadonlyArray<readonly [string, (nonce: string) => unknown, keyof typeof CODES]> = [
    ['alg none, unsigned', (nonce) => ({ token: unsigned(tokenFor(nonce, { header: { alg: 'none' } })) }), 'algNone'],
    ['alg none, signed', (nonce) => ({ token: tokenFor(nonce, { header: { alg: 'none' } }) }), 'algNone'],
    ['alg HS256', (nonce) => ({ token: tokenFor(nonce, { header: { alg: 'HS256' } }) }), 'algSymmetric'],
    ['alg ES384', (nonce) => ({ token: tokenFor(nonce, { header: { alg: 'ES384' } }) }), 'algMismatch'],
    ['no x5c', (nonce) => ({ token: tokenFor(nonce, { header: { x5c: undefined } }) }), 'x5cMissing'],
    ['an empty x5c', (nonce) => ({ token: tokenFor(nonce, { header: { x5c: [] } }) }), 'x5cEmpty'],
    [
      'an extra x5c certificate',
      (nonce) => ({ token: tokenFor(nonce, { header: { x5c: [...x5c(device), x5c(device)[0]] } }) }),
      'x5cExtra',
    ],
    [
      'a chain to another root',
      (nonce) => ({ token: attestationToken(stranger, { nonce, audience: AUDIENCE, iat: now() }) }),
      'anchor',
    ],
    ['an unknown nonce', () => ({ token: tokenFor('bm90LWlzc3VlZC1ieS11cy1ub3QtaXNzdWVkLWJ5LXVz') }), 'unknownNonce'],
    ['a wrong audience', (nonce) => ({ token: tokenFor(nonce), audience: 'https://elsewhere.example' }), 'audience'],
    ['a signature by another key', (nonce) => ({ token: tokenFor(nonce, { key: other }) }), 'signature'],
    [
      'an issue time far in the future',
      (nonce) => ({ token: tokenFor(nonce, { payload: { iat: now() + 3600 } }) }),
      'time',
    ],
    ['an oversized token', () => ({ token: 'a'.repeat(17 * 1024) }), 'oversized'],
    ['a token of two parts', () => ({ token: 'only-two.parts' }), 'malformed'],
    ['a token that is not base64url', () => ({ token: 'not.a.jws!' }), 'base64url'],
  ];

  it.each(cases)('refuses %s with its own code', async (_name, body, expected) => {
    const nonce = await challenge();
    const r = await verify(body(nonce));
    const answer = refusal(r);
    expect(answer.code).toBe(CODES[expected]);
    // The problem table: a token that does not parse is bad input (400), one refused on its merits 422.
    expect(r.statusCode).toBe(ERROR_REGISTRY[CODES[expected]].kind === 'input' ? 400 : 422);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { token: '' }],
    ['an unknown field', { token: 'x', extra: 1 }],
    ['a token that is not a string', { token: { alg: 'none' } }],
  ])('answers a body with %s with 400 ERR_SERVER_BAD_REQUEST', async (_name, body) => {
    const r = await verify(body);
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).code).toBe('ERR_SERVER_BAD_REQUEST');
  });

  it('answers a body that is not JSON with 400 ERR_SERVER_BAD_JSON', async () => {
    const r = await verify('{"token":');
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).code).toBe('ERR_SERVER_BAD_JSON');
  });

  it('needs an API token (401)', async () => {
    const r = await f.app.inject({ method: 'POST', url: '/api/v1/verify', payload: { token: 'x' } });
    expect(r.statusCode).toBe(401);
  });

  it('changes nothing in the database, whatever the verdict', async () => {
    const before = f.snapshot();
    const nonce = await challenge();
    expect((await verify({ token: tokenFor(nonce) })).statusCode).toBe(200);
    expect((await verify({ token: tokenFor(nonce) })).statusCode).toBe(422);
    expect(
      (await verify({ token: attestationToken(revoked, { nonce: await challenge(), audience: AUDIENCE, iat: now() }) }))
        .statusCode,
    ).toBe(422);
    expect((await verify({ token: 'junk' })).statusCode).toBeGreaterThanOrEqual(400);
    expect(f.snapshot()).toEqual(before);
  });

  it('is in the OpenAPI document with its refusal statuses', async () => {
    const doc = JSON.parse((await f.app.inject({ url: '/api/v1/openapi.json' })).body) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; tags: string[] }>>;
    };
    expect(Object.keys(doc.paths['/api/v1/verify']!.post!.responses).sort()).toEqual(
      ['200', '400', '401', '413', '415', '422'].sort(),
    );
    expect(Object.keys(doc.paths['/api/v1/challenges']!.post!.responses).sort()).toEqual(['201', '401']);
    expect(doc.paths['/api/v1/verify']!.post!.tags).toEqual(['Device verification']);
  });
});

function x5c(d: TestDevice): string[] {
  return d.chain.map((der) => Buffer.from(der).toString('base64'));
}

function tokenFor(nonce: string, overrides: Parameters<typeof attestationToken>[2] = {}): string {
  return attestationToken(device, { nonce, audience: AUDIENCE, iat: now() }, overrides);
}

/** The token without its signature (what `alg: none` carries). */
function unsigned(token: string): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.`;
}

/** The reason codes of verifyDevice (packages/core/src/errors/codes/attest.ts). */
const CODES = {
  replayed: 'ERR_ATTEST_NONCE_REPLAYED',
  expired: 'ERR_ATTEST_NONCE_EXPIRED',
  unknownNonce: 'ERR_ATTEST_NONCE_UNKNOWN',
  algNone: 'ERR_ATTEST_ALG_NONE',
  algSymmetric: 'ERR_ATTEST_ALG_SYMMETRIC',
  algMismatch: 'ERR_ATTEST_ALG_MISMATCH',
  x5cMissing: 'ERR_ATTEST_X5C_MISSING',
  x5cEmpty: 'ERR_ATTEST_X5C_EMPTY',
  x5cExtra: 'ERR_ATTEST_X5C_EXTRA',
  anchor: 'ERR_ATTEST_UNTRUSTED_CHAIN',
  audience: 'ERR_ATTEST_AUDIENCE_MISMATCH',
  signature: 'ERR_ATTEST_SIGNATURE_INVALID',
  time: 'ERR_ATTEST_IAT_SKEW',
  oversized: 'ERR_ATTEST_TOKEN_TOO_LARGE',
  malformed: 'ERR_ATTEST_MALFORMED',
  base64url: 'ERR_ATTEST_BAD_BASE64URL',
} as const;
