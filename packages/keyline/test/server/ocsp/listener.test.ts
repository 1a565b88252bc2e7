import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Certificate } from '@keyline/core';
import { OcspResponse, buildOcspRequest, certIdFor, encodePem } from '@keyline/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcspListener, type OcspListener } from '../../../src/server/ocsp/listener.js';
import { ocspSubjects, serverFixture, type ServerFixture } from '../support/fixture.js';

/**
 * The dedicated OCSP listener (server/ocsp/listener.ts, `keyline serve --ocsp-port`) over real
 * sockets: the same answers as the server's OCSP endpoint, and every odd input answered with a
 * clear status or a closed connection, never a crash or a hang.
 */
const run = promisify(execFile);
let f: ServerFixture;
let listener: OcspListener;
let strict: OcspListener;
let port = 0;
let strictPort = 0;
let base = '';
let issuer: Certificate;
let good: Certificate;
let revoked: Certificate;
const logs: string[] = [];
const files = mkdtempSync(join(tmpdir(), 'keyline-ocsp-listener-'));

beforeAll(async () => {
  f = await serverFixture();
  ({ issuer, good, revoked } = await ocspSubjects(f));
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  listener = createOcspListener({ ca: f.ca, clock: f.clock, metrics: f.metrics, logger, maxBodyBytes: 4096 });
  port = await listener.listen(0, '127.0.0.1');
  strict = createOcspListener({
    ca: f.ca,
    clock: f.clock,
    metrics: f.metrics,
    logger,
    maxBodyBytes: 4096,
    requestTimeoutMs: 300,
    keepAliveTimeoutMs: 300,
  });
  strictPort = await strict.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await listener?.close();
  await strict?.close();
  await f.close();
  rmSync(files, { recursive: true, force: true });
});

const requestFor = (serialHex: string, nonce?: Uint8Array): Uint8Array =>
  buildOcspRequest({
    certIds: [certIdFor(issuer.subject.der, issuer.publicKey, serialHex)],
    ...(nonce !== undefined && { nonce }),
  });
const NOT_ISSUED = '7fffffffffffffff01';

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The HTTP responses in `bytes`, in order (each framed by its Content-Length). */
function parseResponses(bytes: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const lines = bytes.toString('latin1', at, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(lines[0]!.split(' ')[1]), headers, body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return out;
}

/**
 * Writes `chunks` (with `gapMs` between them) on one connection and collects what comes back until
 * the server closes, `until` says enough, or `ms` pass.
 */
function exchange(
  target: number,
  chunks: readonly (string | Uint8Array)[],
  options: { until?: (received: Buffer) => boolean; ms?: number; gapMs?: number } = {},
): Promise<{ bytes: Buffer; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: target });
    const received: Buffer[] = [];
    let settled = false;
    const done = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ bytes: Buffer.concat(received), closed });
    };
    const timer = setTimeout(() => done(false), options.ms ?? 3000);
    socket.on('data', (c: Buffer) => {
      received.push(c);
      if (options.until?.(Buffer.concat(received)) === true) done(false);
    });
    socket.on('close', () => done(true));
    socket.on('error', (error) => (settled ? undefined : reject(error)));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
        if (options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs));
      }
    });
  });
}

const postBytes = (der: Uint8Array, extra = ''): Buffer =>
  Buffer.concat([
    Buffer.from(
      `POST /ocsp/${f.line1.id} HTTP/1.1\r\nHost: t\r\nContent-Type: application/ocsp-request\r\n` +
        `Content-Length: ${der.length}\r\n${extra}\r\n`,
      'latin1',
    ),
    der,
  ]);
const getBytes = (der: Uint8Array, extra = ''): string =>
  `GET /ocsp/${f.line1.id}/${encodeURIComponent(Buffer.from(der).toString('base64'))} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

async function viaFastify(der: Uint8Array, method: 'GET' | 'POST'): Promise<Buffer> {
  const r =
    method === 'POST'
      ? await fetch(`${base}/ocsp/${f.line1.id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/ocsp-request' },
          body: der,
        })
      : await fetch(`${base}/ocsp/${f.line1.id}/${encodeURIComponent(Buffer.from(der).toString('base64'))}`);
  expect(r.status).toBe(200);
  return Buffer.from(await r.arrayBuffer());
}

async function viaListener(der: Uint8Array, method: 'GET' | 'POST', target = port): Promise<RawResponse> {
  const { bytes } = await exchange(target, [method === 'POST' ? postBytes(der) : getBytes(der)], {
    until: (b) => parseResponses(b).length === 1 && complete(b),
  });
  const [response] = parseResponses(bytes);
  expect(response).toBeDefined();
  return response!;
}

/** Whether the last response in `b` has its whole body. */
function complete(b: Buffer): boolean {
  const responses = parseResponses(b);
  const last = responses[responses.length - 1];
  return last !== undefined && last.body.length === Number(last.headers['content-length'] ?? 0);
}

const certStatusOf = (body: Uint8Array): string | undefined =>
  OcspResponse.fromDer(new Uint8Array(body)).basic?.responses[0]?.certStatus.status;

describe('the OCSP listener answers as the OCSP endpoint does', () => {
  it('good and revoked: byte for byte the answers of the server’s endpoint, by POST and by GET', async () => {
    for (const cert of [good, revoked]) {
      const der = requestFor(cert.serialHex);
      const reference = await viaFastify(der, 'POST');
      for (const method of ['POST', 'GET'] as const) {
        const response = await viaListener(der, method);
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toBe('application/ocsp-response');
        expect(response.headers['cache-control']).toBe('no-cache');
        expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect(Buffer.compare(response.body, reference)).toBe(0);
        expect(Buffer.compare(response.body, await viaFastify(der, method))).toBe(0);
      }
      expect(certStatusOf(reference)).toBe(cert === good ? 'good' : 'revoked');
    }
  });

  it('unknown for a serial never issued (signed afresh each time: the same statuses, not the same signature)', async () => {
    const der = requestFor(NOT_ISSUED);
    const reference = OcspResponse.fromDer(new Uint8Array(await viaFastify(der, 'POST')));
    for (const method of ['POST', 'GET'] as const) {
      const response = await viaListener(der, method);
      expect(response.status).toBe(200);
      const decoded = OcspResponse.fromDer(new Uint8Array(response.body));
      expect(decoded.status).toBe('successful');
      expect(decoded.basic?.responses[0]?.certStatus.status).toBe('unknown');
      expect(decoded.basic?.responses[0]?.certStatus).toEqual(reference.basic?.responses[0]?.certStatus);
      expect(Buffer.from(decoded.basic!.responses[0]!.certId.der)).toEqual(
        Buffer.from(reference.basic!.responses[0]!.certId.der),
      );
    }
  });

  it('echoes a nonce (RFC 8954), unauthorized for a CA not served, malformedRequest (400) for a bad DER', async () => {
    const nonce = new Uint8Array(16).fill(7);
    const withNonce = OcspResponse.fromDer(
      new Uint8Array((await viaListener(requestFor(good.serialHex, nonce), 'POST')).body),
    );
    expect(Buffer.from(withNonce.basic!.nonce!)).toEqual(Buffer.from(nonce));
    const { bytes } = await exchange(
      port,
      [postBytes(requestFor(good.serialHex)).toString('latin1').replace(f.line1.id, 'ca_nothere')],
      {
        until: complete,
      },
    );
    const [unauthorized] = parseResponses(bytes);
    expect(OcspResponse.fromDer(new Uint8Array(unauthorized!.body)).status).toBe('unauthorized');
    const bad = await viaListener(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), 'POST');
    expect(bad.status).toBe(400);
    expect(OcspResponse.fromDer(new Uint8Array(bad.body)).status).toBe('malformedRequest');
    expect(bad.headers['x-keyline-error-code']).toMatch(/^ERR_/);
  });

  it('openssl ocsp -url against it: good and revoked, the response verified', async () => {
    writeFileSync(join(files, 'issuer.pem'), issuer.toPem());
    writeFileSync(join(files, 'good.pem'), good.toPem());
    writeFileSync(join(files, 'revoked.pem'), revoked.toPem());
    writeFileSync(
      join(files, 'chain.pem'),
      [f.line1, f.acme, f.root].map((c) => encodePem('CERTIFICATE', c.certificateDer!)).join(''),
    );
    for (const [cert, expected] of [
      ['good.pem', /good\.pem: good/],
      ['revoked.pem', /revoked\.pem: revoked/],
    ] as const) {
      for (const nonce of [[], ['-no_nonce']]) {
        const { stdout, stderr } = await run('openssl', [
          'ocsp',
          '-url',
          `http://127.0.0.1:${port}/ocsp/${f.line1.id}`,
          '-issuer',
          join(files, 'issuer.pem'),
          '-cert',
          join(files, cert),
          '-CAfile',
          join(files, 'chain.pem'),
          ...nonce,
        ]);
        expect(stdout + stderr).toContain('Response verify OK');
        expect(stdout + stderr).toMatch(expected);
      }
    }
  });

  it('keeps a plain X-Request-Id; counts its answers in the server metrics; logs cache hits only at debug', async () => {
    const before = logs.length;
    const { bytes } = await exchange(port, [postBytes(requestFor(good.serialHex), 'X-Request-Id: trace-42\r\n')], {
      until: complete,
    });
    expect(parseResponses(bytes)[0]!.headers['x-request-id']).toBe('trace-42');
    expect(logs.slice(before).join('')).not.toContain('trace-42');
    const metrics = await f.metrics.registry.metrics();
    expect(metrics).toMatch(/keyline_http_requests_total\{method="POST",route="\/ocsp\/:caId",status="200"\} \d+/);
    expect(metrics).toMatch(/keyline_ocsp_responses_total\{status="successful",cert_status="revoked"\} \d+/);
  });
});

describe('the OCSP listener over one connection', () => {
  it('answers pipelined requests in order, a signed-afresh one in the middle included, and keeps the connection', async () => {
    const sequence = [
      postBytes(requestFor(good.serialHex)),
      Buffer.from(getBytes(requestFor(revoked.serialHex)), 'latin1'),
      postBytes(requestFor(good.serialHex, new Uint8Array(16).fill(1))),
      postBytes(requestFor(NOT_ISSUED)),
      postBytes(requestFor(revoked.serialHex)),
    ];
    const { bytes, closed } = await exchange(port, [Buffer.concat(sequence)], {
      until: (b) => parseResponses(b).length === sequence.length && complete(b),
    });
    expect(closed).toBe(false);
    const statuses = parseResponses(bytes).map((r) => certStatusOf(r.body));
    expect(statuses).toEqual(['good', 'revoked', 'good', 'unknown', 'revoked']);
  });

  it('answers a request sent one octet at a time, and HTTP/1.0 keep-alive as asked', async () => {
    const bytes1 = postBytes(requestFor(good.serialHex));
    const oneByOne = [...bytes1].map((b) => Uint8Array.of(b));
    const slow = await exchange(port, oneByOne, { until: complete });
    expect(certStatusOf(parseResponses(slow.bytes)[0]!.body)).toBe('good');
    const http10 = `POST /ocsp/${f.line1.id} HTTP/1.0\r\nContent-Type: application/ocsp-request\r\n`;
    const der = requestFor(good.serialHex);
    const kept = await exchange(
      port,
      [Buffer.concat([Buffer.from(`${http10}Connection: keep-alive\r\nContent-Length: ${der.length}\r\n\r\n`), der])],
      { until: complete },
    );
    expect(kept.closed).toBe(false);
    expect(parseResponses(kept.bytes)[0]!.headers['connection']).toBe('keep-alive');
    const closedAfter = await exchange(port, [
      Buffer.concat([Buffer.from(`${http10}Content-Length: ${der.length}\r\n\r\n`), der]),
    ]);
    expect(closedAfter.closed).toBe(true);
    expect(parseResponses(closedAfter.bytes)[0]!.headers['connection']).toBe('close');
  });

  it('answers the requests sent before the client half-closes, then closes', async () => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    await new Promise((r) => socket.once('connect', r));
    socket.end(Buffer.concat([postBytes(requestFor(NOT_ISSUED)), postBytes(requestFor(good.serialHex))]));
    await new Promise((r) => socket.once('close', r));
    expect(parseResponses(Buffer.concat(received)).map((r) => certStatusOf(r.body))).toEqual(['unknown', 'good']);
  });

  it('sends 100 Continue when asked, then the answer', async () => {
    const der = requestFor(good.serialHex);
    const head = Buffer.from(postBytes(der, 'Expect: 100-continue\r\n').subarray(0, -der.length));
    const socket = net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    await new Promise((r) => socket.once('connect', r));
    socket.write(head);
    await waitFor(() => Buffer.concat(received).toString('latin1').startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    socket.write(der);
    await waitFor(() => complete(Buffer.concat(received).subarray('HTTP/1.1 100 Continue\r\n\r\n'.length)));
    socket.destroy();
    const [answer] = parseResponses(Buffer.concat(received).subarray('HTTP/1.1 100 Continue\r\n\r\n'.length));
    expect(certStatusOf(answer!.body)).toBe('good');
  });
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the OCSP listener refuses what is not a plain OCSP request: a status, then the connection closed', () => {
  const der = (): Uint8Array => requestFor(good.serialHex);
  it.each([
    ['a garbage request line', () => 'HELLO\r\n\r\n', 400],
    ['a header line without colon', () => 'GET /ocsp/x/AA HTTP/1.1\r\nbroken\r\n\r\n', 400],
    ['a malformed Content-Length', () => 'POST /ocsp/x HTTP/1.1\r\nContent-Length: 12a\r\n\r\n', 400],
    ['a chunked body', () => 'POST /ocsp/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 501],
    ['a POST without length', () => 'POST /ocsp/x HTTP/1.1\r\nContent-Type: application/ocsp-request\r\n\r\n', 411],
    [
      'a body over the limit (refused before it is sent)',
      () => 'POST /ocsp/x HTTP/1.1\r\nContent-Type: application/ocsp-request\r\nContent-Length: 4097\r\n\r\n',
      413,
    ],
    ['a head over the limit', () => `GET /ocsp/x/${'A'.repeat(9000)} HTTP/1.1\r\n\r\n`, 431],
    ['an endless head without blank line', () => `GET /ocsp/x/AA HTTP/1.1\r\nX-A: ${'a'.repeat(9000)}`, 431],
    ['another path', () => 'GET /api/v1/cas HTTP/1.1\r\n\r\n', 404],
    [
      'a POST to a CA id with odd characters',
      () => postBytes(der()).toString('latin1').replace(f.line1.id, 'a%20b'),
      404,
    ],
    ['a GET without request', () => `GET /ocsp/${f.line1.id} HTTP/1.1\r\n\r\n`, 404],
    ['another method', () => `PUT /ocsp/${f.line1.id} HTTP/1.1\r\nContent-Length: 0\r\n\r\n`, 405],
    [
      'another media type',
      () => postBytes(der()).toString('latin1').replace('application/ocsp-request', 'text/plain'),
      415,
    ],
    ['HTTP/2.0', () => 'GET /ocsp/x/AA HTTP/2.0\r\n\r\n', 505],
  ])('%s', async (_what, request, status) => {
    const { bytes, closed } = await exchange(port, [request()]);
    expect(closed).toBe(true);
    const [response] = parseResponses(bytes);
    expect(response?.status).toBe(status);
    expect(response?.headers['connection']).toBe('close');
    // And the listener still answers.
    expect(certStatusOf((await viaListener(der(), 'POST')).body)).toBe('good');
  });

  it('a request not complete within the request timeout: 408 (slow-loris)', async () => {
    const started = Date.now();
    const { bytes, closed } = await exchange(
      strictPort,
      ['POST /ocsp/x HTTP/1.1\r\n', 'Content-Type: application/ocsp-request\r\n', 'Content-Length: 10\r\n\r\n', 'ab'],
      { gapMs: 50, ms: 3000 },
    );
    expect(closed).toBe(true);
    expect(parseResponses(bytes)[0]?.status).toBe(408);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const { bytes, closed } = await exchange(strictPort, [postBytes(requestFor(good.serialHex))], { ms: 3000 });
    expect(closed).toBe(true);
    expect(certStatusOf(parseResponses(bytes)[0]!.body)).toBe('good');
  });

  it('a client that floods pipelined requests without reading is throttled, not buffered without bound', async () => {
    const one = postBytes(requestFor(good.serialHex));
    let serverSide: net.Socket | undefined;
    listener.server.once('connection', (s: net.Socket) => (serverSide = s));
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise((r) => socket.once('connect', r));
    socket.pause();
    // About 24 MB of requests, answers to which the client never reads.
    const flood = Buffer.concat(Array.from({ length: 2000 }, () => one));
    for (let i = 0; i < 60; i++) socket.write(flood);
    await new Promise((r) => setTimeout(r, 500));
    // The listener stopped reading once its answers backed up: most of the flood is still here,
    // and the answers waiting in the listener's process are a handful, not megabytes.
    expect(socket.writableLength).toBeGreaterThan(flood.length * 30);
    expect(serverSide).toBeDefined();
    expect(serverSide!.writableLength).toBeLessThan(64 * 1024);
    expect(serverSide!.bytesRead).toBeLessThan(flood.length * 20);
    socket.destroy();
    expect(certStatusOf((await viaListener(requestFor(good.serialHex), 'POST')).body)).toBe('good');
  });

  it('close() stops accepting and closes idle keep-alive connections', async () => {
    const extra = createOcspListener({
      ca: f.ca,
      clock: f.clock,
      metrics: f.metrics,
      logger: pino({ level: 'silent' }),
    });
    const extraPort = await extra.listen(0, '127.0.0.1');
    const idle = exchange(extraPort, [postBytes(requestFor(good.serialHex))], { ms: 5000 });
    await new Promise((r) => setTimeout(r, 200));
    await extra.close();
    const { closed } = await idle;
    expect(closed).toBe(true);
    await expect(exchange(extraPort, ['GET / HTTP/1.1\r\n\r\n'])).rejects.toThrow(/ECONNREFUSED/);
  });
});
