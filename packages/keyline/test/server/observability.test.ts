import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ca/store-port.js';
import { createServer } from '../../src/server/index.js';
import { bearer, serverFixture, type ServerFixture } from './support/fixture.js';

let f: ServerFixture;
beforeAll(async () => {
  f = await serverFixture();
});
afterAll(() => f.close());

interface LogLine {
  level: number;
  requestId?: string;
  route?: string;
  status?: number;
  durationMs?: number;
  method?: string;
  msg: string;
}

const lines = (): LogLine[] => f.logs.map((l) => JSON.parse(l) as LogLine);

describe('structured JSON logs (pino)', () => {
  it('one line per request with request id, route pattern, status and duration', async () => {
    const r = await f.app.inject({ url: `/api/v1/cas/${f.line1.id}`, headers: bearer(f.tokens.admin) });
    const id = r.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines().find((l) => l.requestId === id && l.msg === 'request');
    expect(line).toMatchObject({ route: '/api/v1/cas/:caId', status: 200, method: 'GET' });
    expect(typeof line!.durationMs).toBe('number');
  });

  it('keeps a plain X-Request-Id from the client, and replaces a hostile one', async () => {
    const kept = await f.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-123.abc' } });
    expect(kept.headers['x-request-id']).toBe('trace-123.abc');
    const replaced = await f.app.inject({ url: '/healthz', headers: { 'x-request-id': 'x\ny'.repeat(50) } });
    expect(replaced.headers['x-request-id']).not.toContain('\n');
  });

  it('never logs a token, an Authorization header or a secret handed out', async () => {
    await f.app.inject({ url: '/api/v1/cas', headers: bearer(f.tokens.admin) });
    await f.app.inject({ url: '/api/v1/cas', headers: bearer('kl_this-is-a-wrong-token') });
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(f.tokens.admin),
      payload: { name: 'logged?', role: 'auditor' },
    });
    const { secret } = JSON.parse(created.body) as { secret: string };
    const all = f.logs.join('\n');
    expect(all).not.toContain(f.tokens.admin);
    expect(all).not.toContain('kl_this-is-a-wrong-token');
    expect(all).not.toContain(secret);
    expect(all.toLowerCase()).not.toContain('authorization');
    expect(all).not.toMatch(/PRIVATE KEY/);
  });
});

describe('/metrics (Prometheus)', () => {
  it('counts requests by route and status and measures latency', async () => {
    await f.app.inject({ url: '/api/v1/cas', headers: bearer(f.tokens.auditor) });
    await f.app.inject({ url: '/api/v1/cas' });
    const r = await f.app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/keyline_http_requests_total\{method="GET",route="\/api\/v1\/cas",status="200"\} [1-9]/);
    expect(r.body).toMatch(/keyline_http_requests_total\{method="GET",route="\/api\/v1\/cas",status="401"\} [1-9]/);
    expect(r.body).toMatch(
      /keyline_http_request_duration_seconds_bucket\{le="[0-9.]+",method="GET",route="\/api\/v1\/cas"\}/,
    );
    expect(r.body).toContain('# TYPE keyline_certificates_issued_total counter');
    expect(r.body).toContain('# TYPE keyline_certificates_revoked_total counter');
    expect(r.body).toContain('# TYPE keyline_ocsp_responses_total counter');
  });

  it('labels unmatched URLs as one route (bounded cardinality)', async () => {
    await f.app.inject({ url: '/no/such/path/1' });
    await f.app.inject({ url: '/no/such/path/2' });
    const r = await f.app.inject({ url: '/metrics' });
    expect(r.body).not.toContain('/no/such/path');
    expect(r.body).toMatch(/route="unmatched",status="404"\} [2-9]/);
  });
});

describe('/healthz', () => {
  it('200 when the database answers', async () => {
    const r = await f.app.inject({ url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok', database: 'ok' });
  });

  it('503 with a problem document when it does not', async () => {
    const down = new Proxy(f.store, {
      get(target, property, receiver) {
        if (property === 'audit') return { last: () => Promise.reject(new Error('connection refused')) };
        return Reflect.get(target, property, receiver) as unknown;
      },
    }) as Store;
    const app = createServer({ store: down, ca: f.ca, clock: f.clock, logger: pino({ level: 'silent' }) });
    const r = await app.inject({ url: '/healthz' });
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', status: 503 });
    await app.close();
  });
});
