import http from 'node:http';
import { Certificate, OcspResponse, buildOcspRequest, certIdFor, type CertId } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/ca/service-port.js';
import { chip, deviceCsr, ocspSubjects, serverFixture, type ServerFixture } from '../support/fixture.js';

/**
 * The OCSP endpoint's lean path (server/ocsp/fast-path.ts) over real HTTP: `app.inject` calls
 * Fastify directly and never reaches it, so these tests listen on a port.
 */
let f: ServerFixture;
let base = '';
let issuer: Certificate;
let good: Certificate;
let revoked: Certificate;

beforeAll(async () => {
  f = await serverFixture();
  ({ issuer, good, revoked } = await ocspSubjects(f));
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => f.close());

const idOf = (serialHex: string, by: Certificate = issuer): CertId =>
  certIdFor(by.subject.der, by.publicKey, serialHex);
const requestFor = (serialHex: string, nonce?: Uint8Array): Uint8Array =>
  buildOcspRequest({ certIds: [idOf(serialHex)], ...(nonce !== undefined && { nonce }) });

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
}

async function post(
  request: Uint8Array,
  options: { caId?: string; type?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.type !== null) headers['content-type'] = options.type ?? 'application/ocsp-request';
  const r = await fetch(`${base}/ocsp/${options.caId ?? f.line1.id}`, { method: 'POST', headers, body: request });
  return { status: r.status, headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
}

async function get(path: string): Promise<Answer> {
  const r = await fetch(`${base}${path}`);
  return { status: r.status, headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
}

const statusOf = (a: Answer): string => OcspResponse.fromDer(new Uint8Array(a.bytes)).status;
const certStatusOf = (a: Answer): string | undefined =>
  OcspResponse.fromDer(new Uint8Array(a.bytes)).basic?.responses[0]?.certStatus.status;
const requestLines = (): number => f.logs.filter((l) => l.includes('"msg":"request"')).length;

describe('OCSP lean path (POST and GET before Fastify)', () => {
  it('answers good, then serves the cached response without Fastify: same bytes, no info log line', async () => {
    const first = await post(requestFor(good.serialHex));
    expect(first.status).toBe(200);
    expect(certStatusOf(first)).toBe('good');
    expect(first.headers.get('content-type')).toBe('application/ocsp-response');
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const lines = requestLines();
    const second = await post(requestFor(good.serialHex));
    expect(Buffer.compare(second.bytes, first.bytes)).toBe(0);
    // A cached answer is logged at debug (the fixture logs at info); Fastify would have logged it.
    expect(requestLines()).toBe(lines);
    // The same answer as Fastify's route (app.inject goes through it).
    const injected = await f.app.inject({
      method: 'POST',
      url: `/ocsp/${f.line1.id}`,
      headers: { 'content-type': 'application/ocsp-request' },
      payload: Buffer.from(requestFor(good.serialHex)),
    });
    expect(Buffer.compare(injected.rawPayload, first.bytes)).toBe(0);
    expect(requestLines()).toBe(lines + 1);
  });

  it('answers revoked with its reason', async () => {
    const a = await post(requestFor(revoked.serialHex));
    const single = OcspResponse.fromDer(new Uint8Array(a.bytes)).basic!.responses[0]!;
    expect(single.certStatus.status).toBe('revoked');
    expect(single.certStatus.status === 'revoked' && single.certStatus.reason).toBe('keyCompromise');
  });

  it('never good for a serial not issued; unauthorized for a CA not served or another issuer', async () => {
    for (let i = 0; i < 2; i++) {
      const unknown = await post(requestFor('7e5700000000000000000000000000ab'));
      expect(unknown.status).toBe(200);
      expect(certStatusOf(unknown)).toBe('unknown');
    }
    const noCa = await post(requestFor(good.serialHex), { caId: 'ca_nope' });
    expect(noCa.status).toBe(200);
    expect(statusOf(noCa)).toBe('unauthorized');
    const globex = Certificate.fromDer(f.globex.certificateDer!);
    const foreign = await post(buildOcspRequest({ certIds: [idOf(good.serialHex, globex)] }));
    expect(statusOf(foreign)).toBe('unauthorized');
  });

  it('echoes a nonce in a freshly signed response (RFC 8954)', async () => {
    const nonce = Uint8Array.from(Buffer.from('0123456789abcdef0123456789abcdef', 'hex'));
    const a = await post(requestFor(good.serialHex, nonce));
    const basic = OcspResponse.fromDer(new Uint8Array(a.bytes)).basic!;
    expect(Buffer.from(basic.nonce!).toString('hex')).toBe('0123456789abcdef0123456789abcdef');
    expect(basic.responses[0]!.certStatus.status).toBe('good');
  });

  it('answers a malformed request with an unsigned malformedRequest (400) naming the defect', async () => {
    for (const body of [Uint8Array.of(0x30, 0x00), Uint8Array.from(Buffer.from('not der')), new Uint8Array(0)]) {
      const a = await post(body);
      expect(a.status).toBe(400);
      expect(statusOf(a)).toBe('malformedRequest');
      expect(a.headers.get('x-keyline-error-code')).toMatch(/^ERR_/);
    }
  });

  it('answers GET with the request in base64, percent-encoded base64 and base64url (RFC 6960 A.1)', async () => {
    const der = Buffer.from(requestFor(good.serialHex));
    for (const encoded of [
      der.toString('base64'),
      encodeURIComponent(der.toString('base64')),
      der.toString('base64url'),
    ]) {
      const a = await get(`/ocsp/${f.line1.id}/${encoded}`);
      expect(a.status).toBe(200);
      expect(certStatusOf(a)).toBe('good');
    }
    const bad = await get(`/ocsp/${f.line1.id}/${'A'.repeat(5)}`);
    expect(bad.status).toBe(400);
    expect(statusOf(bad)).toBe('malformedRequest');
    expect(bad.headers.get('x-keyline-error-code')).toBe('ERR_SERVER_BAD_BASE64');
  });

  it('leaves a wrong or missing media type, an oversized body and chunked bodies to Fastify', async () => {
    const wrongType = await post(requestFor(good.serialHex), { type: 'application/octet-stream' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const noType = await post(requestFor(good.serialHex), { type: null });
    expect(noType.status).toBe(415);
    const oversized = await post(new Uint8Array(70 * 1024));
    expect(oversized.status).toBe(413);
    // A chunked POST (no Content-Length) is Fastify's: still answered, the same way.
    const chunked = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const request = http.request(
        `${base}/ocsp/${f.line1.id}`,
        { method: 'POST', headers: { 'content-type': 'application/ocsp-request', 'transfer-encoding': 'chunked' } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks) }));
        },
      );
      request.on('error', reject);
      const der = requestFor(revoked.serialHex);
      request.write(der.subarray(0, 10));
      request.end(der.subarray(10));
    });
    expect(chunked.status).toBe(200);
    expect(OcspResponse.fromDer(new Uint8Array(chunked.body)).basic!.responses[0]!.certStatus.status).toBe('revoked');
  });

  it('keeps a plain X-Request-Id from the client', async () => {
    const a = await post(requestFor(good.serialHex), { headers: { 'x-request-id': 'ocsp-trace.1' } });
    expect(a.headers.get('x-request-id')).toBe('ocsp-trace.1');
  });

  it('serves many requests over one keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const der = Buffer.from(requestFor(good.serialHex));
    const sockets = new Set<unknown>();
    try {
      for (let i = 0; i < 20; i++) {
        const status = await new Promise<string>((resolve, reject) => {
          const request = http.request(
            `${base}/ocsp/${f.line1.id}`,
            { method: 'POST', agent, headers: { 'content-type': 'application/ocsp-request' } },
            (response) => {
              sockets.add(response.socket);
              const chunks: Buffer[] = [];
              response.on('data', (c: Buffer) => chunks.push(c));
              response.on('end', () =>
                resolve(
                  OcspResponse.fromDer(new Uint8Array(Buffer.concat(chunks))).basic!.responses[0]!.certStatus.status,
                ),
              );
            },
          );
          request.on('error', reject);
          request.end(der);
        });
        expect(status).toBe('good');
      }
    } finally {
      agent.destroy();
    }
    expect(sockets.size).toBe(1);
  });

  it('follows a revocation at once: the next answer from the lean path is revoked', async () => {
    const cert = Certificate.fromDer(
      (await f.ca.issue({ caId: f.line1.id, csrDer: await deviceCsr(chip()), profile: 'device' }, CLI_ACTOR)).record
        .der!,
    );
    expect(certStatusOf(await post(requestFor(cert.serialHex)))).toBe('good');
    expect(certStatusOf(await post(requestFor(cert.serialHex)))).toBe('good');
    await f.ca.revoke({ caId: f.line1.id, serialHex: cert.serialHex, reason: 'superseded' }, CLI_ACTOR);
    expect(certStatusOf(await post(requestFor(cert.serialHex)))).toBe('revoked');
    expect(
      certStatusOf(await get(`/ocsp/${f.line1.id}/${Buffer.from(requestFor(cert.serialHex)).toString('base64url')}`)),
    ).toBe('revoked');
  });

  it('counts its requests and responses in /metrics like the route does', async () => {
    const metrics = await get('/metrics');
    const text = metrics.bytes.toString('utf8');
    expect(text).toMatch(/keyline_http_requests_total\{method="POST",route="\/ocsp\/:caId",status="200"\} \d+/);
    expect(text).toMatch(/keyline_http_requests_total\{method="GET",route="\/ocsp\/:caId\/\*",status="200"\} \d+/);
    expect(text).toMatch(/keyline_http_request_duration_seconds_count\{method="POST",route="\/ocsp\/:caId"\} \d+/);
    expect(text).toMatch(/keyline_ocsp_responses_total\{status="successful",cert_status="good"\} \d+/);
    expect(text).toMatch(/keyline_ocsp_responses_total\{status="malformedRequest",cert_status="none"\} \d+/);
  });
});
