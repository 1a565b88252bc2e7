import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Clock } from '@keyline/core';
import type { Logger } from 'pino';
import type { CertificateAuthorityService, OcspCachedAnswer } from '../../ca/service-port.js';
import { decodeBase64Path } from '../http/base64.js';
import type { ServerMetrics } from '../observability/metrics.js';
import { AnswerTails, OCSP_HEADERS, UUID_LENGTH, UuidWriter, okPrefix } from './answer-bytes.js';
import { CachedAnswerTally } from './answer-tally.js';
import { answerOcspNow, cachedHit, type SourcedOcspAnswer } from './answer.js';
import { HeadMemo } from './head-memo.js';
import { isRejected, type RequestHead } from './request-head.js';

/** What the dedicated OCSP listener needs. */
export interface OcspListenerOptions {
  readonly ca: CertificateAuthorityService;
  /** For the Date header. */
  readonly clock: Clock;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Largest request body (a POSTed OCSPRequest), octets; default 16 KiB (a request is under 1 KiB). */
  readonly maxBodyBytes?: number;
  /** Largest request head (request line and header fields, GET path included), octets; default 8 KiB. */
  readonly maxHeadBytes?: number;
  /** Time a client has to send one whole request once it began; default 10 s (no slow-loris). */
  readonly requestTimeoutMs?: number;
  /** Time an idle keep-alive connection stays open; default 5 s (Node's HTTP server's too). */
  readonly keepAliveTimeoutMs?: number;
}

/** A listening (or ready to listen) OCSP listener. */
export interface OcspListener {
  readonly server: net.Server;
  /** Listens; resolves with the port bound (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, finishes the answers in flight, closes every connection; resolves when all are closed. */
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const CA_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
const OCSP_REQUEST_TYPE = 'application/ocsp-request';
const POST_ROUTE = '/ocsp/:caId';
const GET_ROUTE = '/ocsp/:caId/*';
/** Unread request octets (pipelined behind an answer in progress) past which reading pauses. */
const MAX_BUFFERED = 64 * 1024;
/** pino's level numbers, as in fast-path.ts. */
const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** One client connection's state. */
class Connection {
  /** Received octets not yet parsed into a request. */
  pending: Buffer | undefined = undefined;
  /** An answer is being computed (asynchronously): later requests wait, answers stay in order. */
  busy = false;
  /** Close once the answers written so far are out (the client asked, or the listener is closing). */
  endAfter = false;
  /** The client sent its FIN: answer the complete requests received, then close. */
  readEnded = false;
  /** Nothing more is read or answered: the connection is ending. */
  ended = false;
  /** `100 Continue` already sent for the request being received. */
  continued = false;
  /** Tick at which an incomplete request began arriving; 0 when none is. */
  partialSince = 0;
  lastTick: number;
  endedTick = 0;

  constructor(
    readonly socket: net.Socket,
    tick: number,
  ) {
    this.lastTick = tick;
  }
}

/**
 * The OCSP endpoint on a listener of its own (`keyline serve --ocsp-port`): HTTP/1.1 over node:net
 * with a strict minimal parser (request-head.ts), the same URLs and the same answers as the
 * server's OCSP route (POST /ocsp/<ca-id>, GET /ocsp/<ca-id>/<base64>, both through answer.ts: the
 * CA core's pre-signed responses, else its responder), without Node's HTTP machinery, which cost
 * more per answer than the answer itself (docs/benchmarks.md, ocsp).
 *
 * Keep-alive and pipelining: requests on a connection are answered in order, one at a time; a
 * request the cache cannot answer is answered asynchronously and the requests behind it wait
 * (reading pauses past 64 KiB of them, and whenever the client does not read its answers).
 * Everything that is not a plain OCSP request gets an HTTP error and the connection is closed:
 * a malformed head 400, a Transfer-Encoding 501, a POST without length 411, a body over the limit
 * 413, a head over the limit 431, another media type 415, another path 404, another method 405,
 * a request not complete within the request timeout 408. A request that is well-formed HTTP but
 * not a valid OCSPRequest gets the route's `malformedRequest` OCSP answer, like every OCSP error.
 *
 * The route's metrics (same names and labels) and log lines (answers from the cache at `debug`,
 * others at `info`) are kept.
 *
 * The bulk of the load, cache hits on kept-alive HTTP/1.1 connections, takes a shorter way to the
 * same bytes and samples: its answer is put together from parts made once (answer-bytes.ts), its
 * counts kept as numbers that /metrics reads (answer-tally.ts), and a head seen before is not
 * parsed again (head-memo.ts).
 */
export function createOcspListener(options: OcspListenerOptions): OcspListener {
  const ctx = { ca: options.ca };
  const metrics = options.metrics;
  const log = options.logger;
  const maxBody = options.maxBodyBytes ?? 16 * 1024;
  const maxHead = options.maxHeadBytes ?? 8 * 1024;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5_000;
  // Timeouts are checked by one sweep over the connections, not a timer per request.
  const tickMs = Math.max(10, Math.min(1000, Math.floor(Math.min(requestTimeoutMs, keepAliveTimeoutMs) / 4)));
  const requestTicks = Math.ceil(requestTimeoutMs / tickMs);
  const keepAliveTicks = Math.ceil(keepAliveTimeoutMs / tickMs);
  const connections = new Set<Connection>();
  let tick = 1;
  let closing = false;
  let dateSecond = -1;
  let dateText = '';
  // The cache hits' answer bytes (answer-bytes.ts): the head up to the request id, for `prefixDate`.
  let prefixDate = '';
  let prefix = okPrefix('');
  const tails = new AnswerTails();
  const uuids = new UuidWriter();
  const tally = new CachedAnswerTally(metrics);
  const heads = new HeadMemo();

  const httpDate = (): string => {
    const now = options.clock.now().getTime();
    const second = Math.floor(now / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateText = new Date(now).toUTCString();
    }
    return dateText;
  };

  const finishConnection = (conn: Connection): void => {
    conn.ended = true;
    conn.endedTick = tick;
    conn.pending = undefined;
    conn.socket.end();
  };

  /** Answers with an HTTP error (a short text body) and closes the connection. */
  const reject = (conn: Connection, status: number, reason: string, extra = ''): void => {
    if (conn.ended) return;
    const body = `${reason}\n`;
    const head =
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nDate: ${httpDate()}\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    conn.socket.write(head + body, 'latin1');
    metrics.requests.inc({ method: 'unknown', route: 'unmatched', status: String(status) });
    finishConnection(conn);
  };

  const writeAnswer = (
    conn: Connection,
    head: RequestHead,
    route: string,
    started: number,
    caId: string,
    answer: SourcedOcspAnswer,
  ): void => {
    const given = head.requestId;
    const requestId = given !== undefined && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    const status = answer.httpStatus;
    const body = answer.body;
    if (!head.keepAlive || closing) conn.endAfter = true;
    const connection = conn.endAfter ? 'Connection: close\r\n' : head.http10 ? 'Connection: keep-alive\r\n' : '';
    const errorCode = answer.errorCode === undefined ? '' : `X-Keyline-Error-Code: ${answer.errorCode}\r\n`;
    const text =
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${OCSP_HEADERS}Date: ${httpDate()}\r\n` +
      `X-Request-Id: ${requestId}\r\n${errorCode}Content-Length: ${body.byteLength}\r\n${connection}\r\n`;
    // One buffer, one write: the head and the body in the same segment.
    const out = Buffer.allocUnsafe(text.length + body.byteLength);
    out.write(text, 0, 'latin1');
    out.set(body, text.length);
    if (!conn.socket.destroyed) conn.socket.write(out);
    const ms = performance.now() - started;
    const method = head.method;
    metrics.requests.inc({ method, route, status: String(status) });
    metrics.latency.observe({ method, route }, ms / 1000);
    metrics.ocspResponses.inc({ status: answer.responseStatus, cert_status: answer.certStatus });
    if (answer.failure !== undefined) log.error({ requestId, err: answer.failure, caId }, 'OCSP responder failed');
    const level = answer.source === 'cache' ? 'debug' : 'info';
    if ((LEVELS[log.level] ?? Number.POSITIVE_INFINITY) <= LEVELS[level]!) {
      log[level]({ requestId, method, route, status, durationMs: Math.round(ms * 1000) / 1000 }, 'request');
    }
  };

  /**
   * `writeAnswer` for the commonest answer, a response from the cache on a kept-alive HTTP/1.1
   * connection: the same bytes, from parts made once (answer-bytes.ts), counted in the tally.
   */
  const writeCached = (
    conn: Connection,
    head: RequestHead,
    method: 'POST' | 'GET',
    started: number,
    hit: OcspCachedAnswer,
  ): void => {
    const date = httpDate();
    if (date !== prefixDate) {
      prefixDate = date;
      prefix = okPrefix(date);
    }
    const tail = tails.of(hit);
    const given = head.requestId;
    const kept = given !== undefined && CLIENT_REQUEST_ID.test(given);
    const idLength = kept ? given.length : UUID_LENGTH;
    const at = prefix.length;
    const out = Buffer.allocUnsafe(at + idLength + tail.length);
    out.set(prefix, 0);
    if (kept) out.write(given, at, 'latin1');
    else uuids.write(out, at);
    out.set(tail, at + idLength);
    if (!conn.socket.destroyed) conn.socket.write(out);
    const ms = performance.now() - started;
    tally.count(method, hit.certStatus, ms / 1000);
    // Cache hits are logged at debug: at info, nothing is built for the log.
    if ((LEVELS[log.level] ?? Number.POSITIVE_INFINITY) <= LEVELS['debug']!) {
      const requestId = out.toString('latin1', at, at + idLength);
      const route = method === 'POST' ? POST_ROUTE : GET_ROUTE;
      log.debug({ requestId, method, route, status: 200, durationMs: Math.round(ms * 1000) / 1000 }, 'request');
    }
  };

  /**
   * Answers one complete request: synchronously when the cache has the answer (returns true),
   * otherwise later (returns false; the connection is busy until the answer is written).
   */
  const handle = (conn: Connection, head: RequestHead, body: Buffer): boolean => {
    const started = performance.now();
    const target = head.target;
    if (!target.startsWith('/ocsp/')) {
      reject(conn, 404, 'not found: this listener serves OCSP only, at /ocsp/<ca-id>');
      return true;
    }
    let caId: string;
    let route: string;
    let read: () => Uint8Array;
    // The request's DER when already at hand, for the cache look-up below.
    let der: Uint8Array | undefined;
    if (head.method === 'POST') {
      caId = target.slice('/ocsp/'.length);
      route = POST_ROUTE;
      if (!CA_ID.test(caId)) {
        reject(conn, 404, 'not found: POST /ocsp/<ca-id>');
        return true;
      }
      if (!isOcspRequestType(head.contentType)) {
        reject(conn, 415, `the body must be ${OCSP_REQUEST_TYPE}`);
        return true;
      }
      // The responder gets a plain view (as before); the cache look-up only reads the Buffer.
      const view = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      read = () => view;
      der = body;
    } else if (head.method === 'GET') {
      const rest = target.slice('/ocsp/'.length);
      const slash = rest.indexOf('/');
      caId = slash < 0 ? rest : rest.slice(0, slash);
      route = GET_ROUTE;
      if (slash <= 0 || !CA_ID.test(caId)) {
        reject(conn, 404, 'not found: GET /ocsp/<ca-id>/<base64 OCSPRequest>');
        return true;
      }
      const encoded = rest.slice(slash + 1);
      read = () => decodeBase64Path(encoded, 'the OCSP request in the URL');
      try {
        const decoded = read();
        read = () => decoded;
        der = decoded;
      } catch {
        // answerOcspNow reads it again and answers the error.
      }
    } else {
      reject(conn, 405, 'only GET and POST', 'Allow: GET, POST\r\n');
      return true;
    }
    // The commonest case: a pre-signed response, on a connection that stays open.
    if (der !== undefined && head.keepAlive && !head.http10 && !closing) {
      const hit = cachedHit(ctx, caId, der);
      if (hit !== undefined) {
        writeCached(conn, head, head.method, started, hit);
        return true;
      }
    }
    // Answered at once when it can be: no promise, straight from the cache.
    const now = answerOcspNow(ctx, caId, read);
    if (!(now instanceof Promise)) {
      writeAnswer(conn, head, route, started, caId, now);
      return true;
    }
    conn.busy = true;
    now.then(
      (answer) => {
        conn.busy = false;
        if (conn.socket.destroyed) return;
        try {
          writeAnswer(conn, head, route, started, caId, answer);
          proceed(conn);
        } catch (error) {
          // Never an unhandled rejection (it would end the process): this connection ends instead.
          log.error({ err: error, caId }, 'OCSP listener failed');
          conn.socket.destroy();
        }
      },
      (error: unknown) => {
        // answerOcspNow's promise does not reject; should it, the client is not left waiting.
        log.error({ err: error, caId }, 'OCSP listener failed');
        conn.socket.destroy();
      },
    );
    return false;
  };

  /** Parses and answers the complete requests received, in order, until one is answered later. */
  const serveRequests = (conn: Connection): void => {
    const socket = conn.socket;
    // Pipelined requests answered in one go leave in one write (corked); a lone one is written at once.
    let corked = false;
    try {
      // Stops while the client does not read its answers: they would pile up here.
      while (conn.pending !== undefined && !conn.busy && !conn.ended && !conn.endAfter && !socket.writableNeedDrain) {
        let buffer = conn.pending;
        // RFC 9112 2.2: empty lines before a request line are ignored.
        let skip = 0;
        while (buffer.length >= skip + 2 && buffer[skip] === 0x0d && buffer[skip + 1] === 0x0a) skip += 2;
        if (skip > 0) {
          buffer = buffer.subarray(skip);
          conn.pending = buffer.length === 0 ? undefined : buffer;
          if (conn.pending === undefined) break;
        }
        const end = buffer.indexOf(HEAD_END);
        if (end < 0 || end > maxHead) {
          if (end > maxHead || buffer.length > maxHead + 3) reject(conn, 431, 'the request head is too large');
          break;
        }
        const head = heads.parse(buffer, end);
        if (isRejected(head)) {
          reject(conn, head.status, head.reason);
          break;
        }
        if (head.method === 'POST' && !head.hasContentLength) {
          reject(conn, 411, 'a POST needs Content-Length');
          break;
        }
        if (head.contentLength > maxBody) {
          reject(conn, 413, `the body is larger than ${maxBody} octets`);
          break;
        }
        const total = end + 4 + head.contentLength;
        if (buffer.length < total) {
          if (head.expectContinue && !conn.continued) {
            conn.continued = true;
            socket.write(CONTINUE);
          }
          break;
        }
        conn.continued = false;
        conn.partialSince = 0;
        conn.pending = total === buffer.length ? undefined : buffer.subarray(total);
        if (!corked && conn.pending !== undefined) {
          corked = true;
          socket.cork();
        }
        handle(conn, head, buffer.subarray(end + 4, total));
      }
    } catch (error) {
      log.error({ err: error }, 'OCSP listener failed');
      reject(conn, 500, 'internal error');
    } finally {
      if (corked) socket.uncork();
    }
    if (conn.ended) return;
    // After the client's FIN, the requests it sent are answered first (those waiting for a drain too).
    if (!conn.busy && (conn.endAfter || (conn.readEnded && !socket.writableNeedDrain))) {
      finishConnection(conn);
      return;
    }
    if (conn.pending !== undefined && conn.partialSince === 0) conn.partialSince = tick;
    // Back-pressure: stop reading while answers wait for the client or requests wait for an answer.
    if (socket.writableNeedDrain || (conn.pending?.length ?? 0) > MAX_BUFFERED) socket.pause();
    else if (socket.isPaused()) socket.resume();
  };

  const proceed = (conn: Connection): void => {
    if (conn.pending === undefined && !conn.endAfter && !conn.readEnded) {
      if (conn.socket.isPaused() && !conn.socket.writableNeedDrain) conn.socket.resume();
      return;
    }
    serveRequests(conn);
  };

  // Half-open: a client may send its requests and its FIN at once, and still wait for the answers.
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
    const conn = new Connection(socket, tick);
    connections.add(conn);
    if (closing) {
      finishConnection(conn);
    }
    socket.on('data', (chunk: Buffer) => {
      if (conn.ended) return;
      conn.lastTick = tick;
      conn.pending = conn.pending === undefined ? chunk : Buffer.concat([conn.pending, chunk]);
      if (!conn.busy) serveRequests(conn);
      else if (conn.pending.length > MAX_BUFFERED) socket.pause();
    });
    socket.on('end', () => {
      conn.readEnded = true;
      if (!conn.ended && !conn.busy) serveRequests(conn);
    });
    socket.on('drain', () => {
      if (!conn.ended && !conn.busy) proceed(conn);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => connections.delete(conn));
  });
  server.on('error', (error) => log.error({ err: error }, 'OCSP listener failed'));

  const sweep = setInterval(() => {
    tick++;
    for (const conn of connections) {
      if (conn.ended) {
        // The client did not close after our last answer.
        if (tick - conn.endedTick > 2) conn.socket.destroy();
      } else if (conn.partialSince !== 0 && !conn.busy && tick - conn.partialSince >= requestTicks) {
        conn.pending = undefined;
        reject(conn, 408, 'the request was not received in time');
      } else if (conn.pending === undefined && !conn.busy && tick - conn.lastTick >= keepAliveTicks) {
        finishConnection(conn);
      }
    }
  }, tickMs);
  sweep.unref();

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve((server.address() as net.AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        closing = true;
        const force = setTimeout(() => {
          for (const conn of connections) conn.socket.destroy();
        }, 5000);
        force.unref();
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        for (const conn of connections) {
          if (conn.busy) conn.endAfter = true;
          else if (!conn.ended) finishConnection(conn);
        }
      }),
  };
}

/** Whether a Content-Type names application/ocsp-request (parameters ignored, as the route does). */
function isOcspRequestType(header: string | undefined): boolean {
  if (header === undefined) return false;
  if (header === OCSP_REQUEST_TYPE) return true;
  return header.split(';', 1)[0]!.trim().toLowerCase() === OCSP_REQUEST_TYPE;
}
