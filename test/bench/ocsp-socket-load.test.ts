import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseHead, runSocketJob, successful, type SocketLoadJob } from '../../bench/lib/ocsp-socket-load.js';

/** The smallest successful OCSPResponse prefix the generator checks: SEQUENCE { ENUMERATED 0 }. */
const OK_BODY = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x00]);
const MALFORMED_BODY = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]);

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp/x`;
}

const job = (url: string): SocketLoadJob => ({
  url,
  requests: [Buffer.from('request-1').toString('base64'), Buffer.from('request-2').toString('base64')],
  concurrency: 4,
  durationMs: 300,
  warmupMs: 100,
});

/** Reads the body, then answers with `body` (status 200 unless told). */
const answering =
  (body: Buffer, extra: (res: http.ServerResponse) => void = () => undefined, status = 200): http.RequestListener =>
  (req, res) => {
    req.resume();
    req.on('end', () => {
      extra(res);
      res.writeHead(status, { 'content-type': 'application/ocsp-response', 'content-length': body.length });
      res.end(body);
    });
  };

describe('the OCSP load generator over raw sockets (bench/lib/ocsp-socket-load.ts)', () => {
  it('parses response heads: status, Content-Length, keep-alive by HTTP version and Connection', () => {
    expect(parseHead('HTTP/1.1 200 OK\r\nContent-Length: 12')).toEqual({
      status: 200,
      contentLength: 12,
      keepAlive: true,
    });
    expect(parseHead('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 3').keepAlive).toBe(false);
    // openssl ocsp answers HTTP/1.0 without Connection: one request per connection.
    expect(parseHead('HTTP/1.0 200 OK\r\nContent-type: application/ocsp-response\r\nContent-Length: 636')).toEqual({
      status: 200,
      contentLength: 636,
      keepAlive: false,
    });
    expect(parseHead('HTTP/1.0 200 OK\r\nConnection: keep-alive').contentLength).toBe(-1);
    expect(() => parseHead('SSH-2.0-OpenSSH')).toThrow(/not an HTTP/);
  });

  it('counts only successful OCSP responses', () => {
    expect(successful(OK_BODY)).toBe(true);
    expect(successful(MALFORMED_BODY)).toBe(false);
    expect(successful(Buffer.from('<html>'))).toBe(false);
  });

  it('keeps its connections open against a keep-alive server, sending the requests round-robin', async () => {
    const bodies = new Set<string>();
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.add(Buffer.concat(chunks).toString());
        expect(req.headers['content-type']).toBe('application/ocsp-request');
        res.writeHead(200, { 'content-length': OK_BODY.length });
        res.end(OK_BODY);
      });
    });
    const result = await runSocketJob(job(url));
    expect(result.ok).toBeGreaterThan(20);
    expect(result.failed).toBe(0);
    expect(result.connections).toBe(0); // all four opened during the warm-up, none after
    expect(result.latencies).toHaveLength(result.ok);
    expect([...bodies].sort()).toEqual(['request-1', 'request-2']);
  });

  it('opens a new connection per request against a server that closes (as openssl ocsp does)', async () => {
    const url = await serve(answering(OK_BODY, (res) => res.setHeader('connection', 'close')));
    const result = await runSocketJob(job(url));
    expect(result.ok).toBeGreaterThan(10);
    expect(result.failed).toBe(0);
    expect(Math.abs(result.connections - result.ok)).toBeLessThanOrEqual(8);
  });

  it('counts errors and non-successful answers as failed, never as answers', async () => {
    const url = await serve(answering(MALFORMED_BODY, () => undefined, 400));
    const result = await runSocketJob(job(url));
    expect(result.ok).toBe(0);
    expect(result.failed).toBeGreaterThan(0);
    expect(result.firstError).toMatch(/HTTP 400/);
  });
});
