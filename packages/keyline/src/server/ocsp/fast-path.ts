import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';
import { decodeBase64Path } from '../http/base64.js';
import { answerOcspNow, type SourcedOcspAnswer } from './answer.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** CA ids as they appear in OCSP URLs (others, e.g. percent-encoded, take Fastify's route). */
const CA_ID = /^[A-Za-z0-9_.-]{1,128}$/;
/**
 * A GET path this path takes: base64 or base64url, percent-escapes only for `+`, `/` and `=`, for
 * which URL-decoding once (here) or twice (Fastify's router, then the route) gives the same bytes.
 */
const GET_PATH = /^\/ocsp\/([A-Za-z0-9_.-]{1,128})\/((?:[A-Za-z0-9+/=_-]|%2[BbFf]|%3[Dd])+)$/;
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const OCSP_REQUEST_TYPE = 'application/ocsp-request';
/** pino's level numbers (a line is written when its number is at least the logger's; silent: none). */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const POST_ROUTE = '/ocsp/:caId';
const GET_ROUTE = '/ocsp/:caId/*';

/**
 * The OCSP endpoint's lean path: POST /ocsp/<ca-id> and GET /ocsp/<ca-id>/<base64> answered from
 * the HTTP server's `request` event, before Fastify builds its request and reply objects, routes,
 * validates and runs its hooks. OCSP is the server's one high-volume endpoint (every relying party
 * asks, RFC 5019), and most answers are a pre-signed response from the CA core's cache; for those,
 * Fastify's per-request machinery cost several times the answer itself (docs/benchmarks.md, ocsp).
 *
 * The answers are the route's own (routes/ocsp.ts): both call `answerOcsp`. Only plain requests
 * take this path: the exact URL shapes above, a POST with `Content-Type: application/ocsp-request`
 * and a `Content-Length` within the body limit, no `Transfer-Encoding`. Everything else (wrong
 * media type → 415, oversized → 413, chunked bodies, odd URL encodings, HEAD, other paths) and
 * every request once the server is closing go to Fastify unchanged, which answers as before.
 *
 * What Fastify's hooks do for every request is kept: the X-Request-Id and X-Content-Type-Options
 * headers, the request counter and latency histogram (same metric names and labels), and one log
 * line per request at `info` — except answers from the cache, logged at `debug`: at tens of
 * thousands per second a log line each would cost more than the answer, and the
 * counters say how many there were.
 *
 * Installed by wrapping the server's one `request` listener (Fastify's); when there is not exactly
 * one (a server made otherwise), nothing is installed and Fastify serves OCSP alone. `app.inject`
 * never reaches this path (it calls Fastify directly): tests of this path listen on a port.
 */
export function installOcspFastPath(app: FastifyInstance, ctx: ServerContext): boolean {
  const server = app.server as Server | undefined;
  const listeners = server?.listeners('request') ?? [];
  if (server === undefined || listeners.length !== 1) return false;
  const fastify = listeners[0] as Handler;
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const fast = createFastHandler(app, ctx);
  server.removeListener('request', fastify);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (closing || !fast(request, response)) fastify.call(server, request, response);
  });
  return true;
}

/** Returns a handler that answers a request and returns true, or returns false without touching it. */
function createFastHandler(
  app: FastifyInstance,
  ctx: ServerContext,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const bodyLimit = app.initialConfig.bodyLimit ?? 1024 * 1024;
  const log = app.log;
  const metrics = ctx.metrics;

  const finish = (
    request: IncomingMessage,
    response: ServerResponse,
    route: string,
    started: number,
    caId: string,
    answer: SourcedOcspAnswer,
  ): void => {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    const body = answer.body;
    const headers: Record<string, string | number> = {
      'x-request-id': requestId,
      'x-content-type-options': 'nosniff',
      'content-type': 'application/ocsp-response',
      'cache-control': 'no-cache',
      'content-length': body.byteLength,
    };
    if (answer.errorCode !== undefined) headers['x-keyline-error-code'] = answer.errorCode;
    response.writeHead(answer.httpStatus, headers);
    response.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    const ms = performance.now() - started;
    const method = request.method!;
    metrics.requests.inc({ method, route, status: String(answer.httpStatus) });
    metrics.latency.observe({ method, route }, ms / 1000);
    metrics.ocspResponses.inc({ status: answer.responseStatus, cert_status: answer.certStatus });
    if (answer.failure !== undefined) log.error({ requestId, err: answer.failure, caId }, 'OCSP responder failed');
    const level = answer.source === 'cache' ? 'debug' : 'info';
    if ((LEVELS[log.level] ?? Number.POSITIVE_INFINITY) <= LEVELS[level]!) {
      log[level]({ requestId, method, route, status: answer.httpStatus, durationMs: round(ms) }, 'request');
    }
  };

  const respond = (
    request: IncomingMessage,
    response: ServerResponse,
    route: string,
    started: number,
    caId: string,
    read: () => Uint8Array,
  ): void => {
    // The common case, answered synchronously: no promise, no await, straight from the cache.
    const now = answerOcspNow(ctx, caId, read);
    if (!(now instanceof Promise)) {
      finish(request, response, route, started, caId, now);
      return;
    }
    now.then(
      (answer) => finish(request, response, route, started, caId, answer),
      (error: unknown) => {
        // answerOcspNow's promise does not reject; should it, the client still gets a response, not a hang.
        log.error({ err: error, caId }, 'OCSP fast path failed');
        response.destroy();
      },
    );
  };

  return (request, response) => {
    const url = request.url;
    if (url === undefined || !url.startsWith('/ocsp/')) return false;
    const started = performance.now();
    if (request.method === 'POST') {
      const caId = url.slice('/ocsp/'.length);
      if (!CA_ID.test(caId) || !isOcspRequestType(request.headers['content-type'])) return false;
      if (request.headers['transfer-encoding'] !== undefined) return false;
      const declared = request.headers['content-length'];
      const length = declared === undefined || !/^\d{1,9}$/.test(declared) ? -1 : Number(declared);
      if (length < 0 || length > bodyLimit) return false;
      const chunks: Buffer[] = [];
      let received = 0;
      request.on('data', (chunk: Buffer) => {
        received += chunk.length;
        chunks.push(chunk);
      });
      request.on('error', () => response.destroy());
      request.on('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        respond(
          request,
          response,
          POST_ROUTE,
          started,
          caId,
          () => new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        );
      });
      return true;
    }
    if (request.method === 'GET') {
      const match = GET_PATH.exec(url);
      if (match === null) return false;
      const encoded = match[2]!;
      // Drain (a GET has no body) so that the connection can carry the next request.
      request.resume();
      respond(request, response, GET_ROUTE, started, match[1]!, () =>
        decodeBase64Path(encoded, 'the OCSP request in the URL'),
      );
      return true;
    }
    return false;
  };
}

/** Whether a Content-Type header names application/ocsp-request (parameters ignored, as mediaTypeOf does). */
function isOcspRequestType(header: string | undefined): boolean {
  if (header === undefined) return false;
  if (header === OCSP_REQUEST_TYPE) return true;
  return header.split(';', 1)[0]!.trim().toLowerCase() === OCSP_REQUEST_TYPE;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
