/**
 * OCSP load generator over raw TCP sockets, run as a child process (`child_process.fork`) so that
 * its work does not share the event loop of the server it measures.
 *
 * Why not `http.Agent` (the generator this replaced): Node's HTTP client costs tens of microseconds per
 * request, and much more per new connection; on a 2-CPU machine the generator then saturates before
 * either server does, and the figures measure the generator. This one writes each HTTP/1.1 request
 * as pre-built bytes and reads only the status line, `Content-Length` and `Connection` of the
 * answer, like wrk or autocannon, so both servers are measured at their own limit.
 *
 * The same for both servers: `concurrency` connections, each with exactly one request in flight
 * (no pipelining), `Connection: keep-alive` asked for. A server that answers `Connection: close`
 * or HTTP/1.0 without keep-alive (`openssl ocsp` does: it serves one request per connection) gets
 * a new connection for the next request, and the connect time is counted in that request's
 * latency, as a real client would wait for it. Latency runs from the moment the request is ready
 * to go (connect included) until its whole answer is read.
 *
 * A response counts only when it is HTTP 200 and an OCSPResponse whose responseStatus is
 * successful (RFC 6960 4.2.1). Protocol (IPC) as in ocsp-load.ts: the parent sends `LoadJob`s one
 * at a time, the child answers each with a `LoadResult`; `{ stop: true }` ends it.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface SocketLoadJob {
  /** http://host:port/path: the requests are POSTs of `requests` to that path. */
  readonly url: string;
  /** The DER requests, base64; each request picks the next one round-robin. */
  readonly requests: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface SocketLoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Connections opened during the counted time. */
  readonly connections: number;
  /** Latency of every counted successful request, ms. */
  readonly latencies: number[];
  readonly firstError?: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** Whether `body` is an OCSPResponse with responseStatus successful: SEQUENCE { ENUMERATED 0, ... }. */
export function successful(body: Uint8Array): boolean {
  if (body.length < 5 || body[0] !== 0x30) return false;
  const first = body[1]!;
  const header = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return body[header] === 0x0a && body[header + 1] === 0x01 && body[header + 2] === 0x00;
}

/** What the generator needs of a response head. */
export interface ResponseHead {
  readonly status: number;
  /** -1 when absent (the body then runs until the server closes). */
  readonly contentLength: number;
  readonly keepAlive: boolean;
}

/** Parses the head of an HTTP/1.x response (the text before the blank line). */
export function parseHead(head: string): ResponseHead {
  const lines = head.split('\r\n');
  const statusLine = /^HTTP\/1\.(\d) (\d{3})/.exec(lines[0] ?? '');
  if (statusLine === null) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(lines[0])}`);
  let contentLength = -1;
  let connection: string | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') contentLength = Number(value);
    else if (name === 'connection') connection = value.toLowerCase();
  }
  // HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 closes unless told otherwise.
  const keepAlive = statusLine[1] === '1' ? connection !== 'close' : connection === 'keep-alive';
  return { status: Number(statusLine[2]), contentLength, keepAlive };
}

export function runSocketJob(job: SocketLoadJob): Promise<SocketLoadResult> {
  const url = new URL(job.url);
  const port = Number(url.port);
  const host = url.hostname;
  const wire = job.requests.map((r) => {
    const body = Buffer.from(r, 'base64');
    const head =
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/ocsp-request\r\n` +
      `Content-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  });
  let next = 0;
  let ok = 0;
  let failed = 0;
  let connections = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const start = performance.now();
  const countFrom = start + job.warmupMs;
  const end = countFrom + job.durationMs;

  return new Promise((resolve) => {
    let open = 0;
    const finish = (): void => {
      const result: SocketLoadResult = { ok, failed, elapsedMs: job.durationMs, connections, latencies };
      resolve(firstError === undefined ? result : { ...result, firstError });
    };

    /** One client: a connection with one request in flight, reconnecting when the server closes. */
    const client = (): void => {
      let socket: net.Socket | undefined;
      let buffer: Buffer | undefined;
      let head: ResponseHead | undefined;
      let bodyStart = 0;
      let sent = 0;
      let waiting = false;
      open++;

      const record = (good: boolean, error?: string): void => {
        const finished = performance.now();
        waiting = false;
        if (sent >= countFrom && finished <= end) {
          if (good) {
            ok++;
            latencies.push(finished - sent);
          } else {
            failed++;
            firstError ??= error;
          }
        }
      };

      const stop = (): void => {
        socket?.destroy();
        socket = undefined;
        open--;
        if (open === 0) finish();
      };

      const connect = (): void => {
        const s = net.connect({ host, port, noDelay: true });
        socket = s;
        buffer = undefined;
        head = undefined;
        if (performance.now() >= countFrom) connections++;
        s.on('connect', () => s.write(wire[next++ % wire.length]!));
        s.on('data', (chunk: Buffer) => onData(s, chunk));
        s.on('error', () => undefined);
        s.on('close', () => {
          if (socket !== s) return;
          socket = undefined;
          if (waiting) {
            // An answer without Content-Length ends with the connection.
            if (head !== undefined && head.contentLength < 0 && buffer !== undefined) {
              const body = buffer.subarray(bodyStart);
              record(head.status === 200 && successful(body), `HTTP ${head.status}, ${body.length} octets`);
            } else {
              record(false, 'the server closed the connection before answering');
            }
          }
          send();
        });
      };

      const send = (): void => {
        if (performance.now() >= end) {
          stop();
          return;
        }
        sent = performance.now();
        waiting = true;
        if (socket === undefined) {
          connect();
        } else {
          buffer = undefined;
          head = undefined;
          socket.write(wire[next++ % wire.length]!);
        }
      };

      const onData = (s: net.Socket, chunk: Buffer): void => {
        buffer = buffer === undefined ? chunk : Buffer.concat([buffer, chunk]);
        if (head === undefined) {
          const at = buffer.indexOf(HEADER_END);
          if (at < 0) return;
          try {
            head = parseHead(buffer.subarray(0, at).toString('latin1'));
          } catch (error) {
            record(false, (error as Error).message);
            s.destroy();
            return;
          }
          bodyStart = at + 4;
        }
        if (head.contentLength < 0) return;
        if (buffer.length < bodyStart + head.contentLength) return;
        const body = buffer.subarray(bodyStart, bodyStart + head.contentLength);
        record(head.status === 200 && successful(body), `HTTP ${head.status}, ${body.length} octets`);
        if (head.keepAlive) {
          send();
        } else {
          // The next request goes on a new connection; the close of this one must not count.
          socket = undefined;
          s.destroy();
          send();
        }
      };

      send();
    };

    for (let i = 0; i < job.concurrency; i++) client();
  });
}

// As a forked child (the benchmark), serve jobs; imported (tests), only export.
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain && process.send !== undefined) {
  process.on('message', (message: SocketLoadJob | { stop: true }) => {
    if ('stop' in message) {
      process.disconnect();
      return;
    }
    void runSocketJob(message).then((result) => process.send!(result));
  });
  process.on('disconnect', () => process.exit(0));
}
