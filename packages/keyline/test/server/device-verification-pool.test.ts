import { readdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import type { CaRecord } from '../../src/ca/records.js';
import { createServer } from '../../src/server/index.js';
import { attestationToken, issueTestDevice, type TestDevice } from './support/devices.js';
import { bearer, serverFixture, type ServerFixture } from './support/fixture.js';

/**
 * POST /api/v1/verify with `verifyThreads` (a DeviceVerifierPool; its workers load the built
 * dist/, so `npm run build` first): every answer is compared with the inline server's over the same
 * store, clock and request id, so status and body must be byte for byte the same. The roots are
 * read per request, so a root created or retired while serving is taken into account.
 */

let f: ServerFixture;
/** The inline server (verifyThreads 0) over f's store: its own nonces. */
let inline: FastifyInstance;
let device: TestDevice;
let revoked: TestDevice;
const AUDIENCE = 'https://service.example';
let requests = 0;

beforeAll(async () => {
  f = await serverFixture({ verifyThreads: 1 });
  inline = createServer({ store: f.store, ca: f.ca, clock: f.clock });
  await inline.ready();
  device = await issueTestDevice(f.ca, f.line1, f.acme);
  revoked = await issueTestDevice(f.ca, f.line1, f.acme);
  await f.ca.revoke({ caId: f.line1.id, serialHex: revoked.certificate.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
}, 60_000);
afterAll(async () => {
  await inline?.close();
  await f?.close();
});

const now = (): number => Math.floor(f.clock.now().getTime() / 1000);

async function challenge(app: FastifyInstance): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/api/v1/challenges', headers: bearer(f.tokens.auditor) });
  expect(r.statusCode).toBe(201);
  return (JSON.parse(r.body) as { nonce: string }).nonce;
}

function post(app: FastifyInstance, body: unknown, requestId: string) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/verify',
    headers: { ...bearer(f.tokens.auditor), 'content-type': 'application/json', 'x-request-id': requestId },
    payload: JSON.stringify(body),
  });
}

interface Answer {
  readonly status: number;
  readonly contentType: unknown;
  readonly body: string;
}

/**
 * The same request, made with a nonce of each server's own, to the pooled server and the inline
 * one; `times` posts of it in a row (a replay). Returns the pooled server's answers after checking
 * that the inline server gave the same.
 */
async function compare(body: (nonce: string) => unknown, times = 1): Promise<Answer[]> {
  const answers: Answer[][] = [];
  const id = `pool-test-${++requests}`;
  for (const app of [f.app, inline]) {
    const made = body(await challenge(app));
    const these: Answer[] = [];
    for (let i = 0; i < times; i++) {
      const r = await post(app, made, `${id}-${i}`);
      these.push({ status: r.statusCode, contentType: r.headers['content-type'], body: r.body });
    }
    answers.push(these);
  }
  const [pooled, byInline] = answers as [Answer[], Answer[]];
  expect(pooled).toEqual(byInline);
  return pooled;
}

const good =
  (d: TestDevice, audience = AUDIENCE) =>
  (nonce: string) => ({ token: attestationToken(d, { nonce, audience: AUDIENCE, iat: now() }), audience });

const code = (a: Answer): string => (JSON.parse(a.body) as { code: string }).code;

describe('POST /api/v1/verify on a verifier pool (verifyThreads: 1)', () => {
  it('answers a good token with the same 200 body as the inline path', async () => {
    const before = threadCount();
    const [answer] = await compare(good(device));
    // Through the pool: its worker thread started with the first verification.
    expect(threadCount()).toBeGreaterThan(before);
    expect(answer!.status, answer!.body).toBe(200);
    const body = JSON.parse(answer!.body) as { ok: boolean; deviceId: string; chain: string[] };
    expect(body).toMatchObject({ ok: true, deviceId: device.deviceId, manufacturerId: 'acme', productId: 'sensor-1' });
    expect(body.chain).toHaveLength(4);
  });

  it('refuses a replayed nonce as the inline path does (422 ERR_ATTEST_NONCE_REPLAYED)', async () => {
    const [first, again] = await compare(good(device), 2);
    expect(first!.status).toBe(200);
    expect([again!.status, code(again!)]).toEqual([422, 'ERR_ATTEST_NONCE_REPLAYED']);
  });

  it('refuses a wrong audience as the inline path does (422 ERR_ATTEST_AUDIENCE_MISMATCH)', async () => {
    const [answer] = await compare(good(device, 'https://elsewhere.example'));
    expect([answer!.status, code(answer!)]).toEqual([422, 'ERR_ATTEST_AUDIENCE_MISMATCH']);
  });

  it('refuses a revoked device as the inline path does (422 ERR_ATTEST_REVOKED)', async () => {
    const [answer] = await compare(good(revoked));
    expect([answer!.status, code(answer!)]).toEqual([422, 'ERR_ATTEST_REVOKED']);
  });

  it('refuses an unknown nonce and a malformed token as the inline path does', async () => {
    const [unknown] = await compare(() => good(device)('bm90LWlzc3VlZC1ieS11cy1ub3QtaXNzdWVkLWJ5LXVz'));
    expect([unknown!.status, code(unknown!)]).toEqual([422, 'ERR_ATTEST_NONCE_UNKNOWN']);
    const [malformed] = await compare(() => ({ token: 'only-two.parts' }));
    expect([malformed!.status, code(malformed!)]).toEqual([400, 'ERR_ATTEST_MALFORMED']);
  });

  it('takes the time from the server clock, as the inline path does (ERR_PATH_NOT_YET_VALID)', async () => {
    f.clock.advance(-3 * 3600 * 1000);
    try {
      const [answer] = await compare(good(device));
      expect([answer!.status, code(answer!)]).toEqual([422, 'ERR_PATH_NOT_YET_VALID']);
    } finally {
      f.clock.advance(3 * 3600 * 1000);
    }
  });

  it('verifies many tokens at once, each nonce once', async () => {
    const nonces = await Promise.all(Array.from({ length: 12 }, () => challenge(f.app)));
    const answers = await Promise.all(nonces.map((nonce, i) => post(f.app, good(device)(nonce), `burst-${i}`)));
    expect(answers.map((r) => r.statusCode)).toEqual(nonces.map(() => 200));
    const replays = await Promise.all(nonces.map((nonce, i) => post(f.app, good(device)(nonce), `replay-${i}`)));
    expect(replays.map((r) => code({ status: r.statusCode, contentType: '', body: r.body }))).toEqual(
      nonces.map(() => 'ERR_ATTEST_NONCE_REPLAYED'),
    );
  });

  it('follows the active roots while serving: a root created, then retired', async () => {
    const second = await secondHierarchy('pool');
    const newcomer = await issueTestDevice(f.ca, second.line, second.maker);
    // Created: both servers read the roots per request, so the new root's devices verify at once.
    const [accepted] = await compare(good(newcomer));
    expect(accepted!.status, accepted!.body).toBe(200);
    expect((JSON.parse(accepted!.body) as { chain: string[] }).chain).toHaveLength(4);
    const [stillGood] = await compare(good(device));
    expect(stillGood!.status).toBe(200);
    // Retired: its devices are refused again, the first root's still verify.
    await f.store.cas.setStatus(second.root.id, 'retired');
    const [refused] = await compare(good(newcomer));
    expect([refused!.status, code(refused!)]).toEqual([422, 'ERR_ATTEST_UNTRUSTED_CHAIN']);
    const [afterwards] = await compare(good(device));
    expect(afterwards!.status).toBe(200);
  });

  it('answers the verifications in flight when the server closes, then stops its workers', async () => {
    const g = await serverFixture({ verifyThreads: 2 });
    try {
      const d = await issueTestDevice(g.ca, g.line1, g.acme);
      const nonce = (
        JSON.parse(
          (await g.app.inject({ method: 'POST', url: '/api/v1/challenges', headers: bearer(g.tokens.auditor) })).body,
        ) as { nonce: string }
      ).nonce;
      const token = attestationToken(d, { nonce, audience: AUDIENCE, iat: Math.floor(g.clock.now().getTime() / 1000) });
      const before = threadCount();
      const pending = g.app.inject({
        method: 'POST',
        url: '/api/v1/verify',
        headers: { ...bearer(g.tokens.auditor), 'content-type': 'application/json' },
        payload: JSON.stringify({ token }),
      });
      // Let the request reach the pool before the server is told to close.
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The pool's two worker threads were started for the request (the inline path starts none).
      const during = threadCount();
      expect(during - before).toBeGreaterThanOrEqual(2);
      const closing = g.app.close();
      const r = await pending;
      expect(r.statusCode, r.body).toBe(200);
      await closing;
      expect(threadCount()).toBeLessThanOrEqual(during - 2);
    } finally {
      await g.close();
    }
  }, 30_000);
});

/** This process's threads (Linux): a pool's worker threads are among them while it runs. */
function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

/** A root, a manufacturer CA and an issuing CA of `acme`, created while the server runs. */
async function secondHierarchy(label: string): Promise<{ root: CaRecord; maker: CaRecord; line: CaRecord }> {
  const root = await f.ca.createRoot({ name: `Second Root ${label}`, organization: 'Keyline Test', label }, CLI_ACTOR);
  const maker = await f.ca.createCa(
    { parentId: root.id, name: 'Acme CA 2', kind: 'manufacturer', manufacturerId: 'acme', label: `${label}-m` },
    CLI_ACTOR,
  );
  const line = await f.ca.createCa(
    {
      parentId: maker.id,
      name: 'Acme Line 2',
      kind: 'issuing',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      label: `${label}-l`,
    },
    CLI_ACTOR,
  );
  return { root, maker, line };
}
