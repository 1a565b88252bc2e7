/**
 * OCSP load generator, run as a child process (`child_process.fork`) so that its work does not share
 * the event loop of the server it measures. It keeps `concurrency` POSTs of pre-built DER OCSP
 * requests in flight over a keep-alive `http.Agent` for `durationMs`, after `warmupMs` uncounted, and
 * answers with the count and every request's latency (milliseconds). A response counts only when it
 * is HTTP 200 and an OCSPResponse whose responseStatus is successful (RFC 6960 4.2.1).
 *
 * Protocol (IPC): the parent sends `LoadJob`s one at a time; the child answers each with a `LoadResult`.
 * A `{ stop: true }` message (or the parent going away) ends it.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadJob {
  readonly url: string;
  /** The DER requests, base64; each request picks the next one round-robin. */
  readonly requests: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Latency of every counted successful request, ms. */
  readonly latencies: number[];
  readonly firstError?: string;
}

/** Whether `body` is an OCSPResponse with responseStatus successful: SEQUENCE { ENUMERATED 0, ... }. */
function successful(body: Buffer): boolean {
  if (body.length < 5 || body[0] !== 0x30) return false;
  const first = body[1]!;
  const header = first < 0x80 ? 2 : 2 + (first & 0x7f);
  return body[header] === 0x0a && body[header + 1] === 0x01 && body[header + 2] === 0x00;
}

async function runJob(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const bodies = job.requests.map((r) => Buffer.from(r, 'base64'));
  let next = 0;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const start = performance.now();
  const countFrom = start + job.warmupMs;
  const end = countFrom + job.durationMs;

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const body = bodies[next++ % bodies.length]!;
      const sent = performance.now();
      const done = (good: boolean, error?: string): void => {
        const finished = performance.now();
        if (sent >= countFrom && finished <= end) {
          if (good) {
            ok++;
            latencies.push(finished - sent);
          } else {
            failed++;
            firstError ??= error;
          }
        }
        resolve();
      };
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const answer = Buffer.concat(chunks);
            const good = response.statusCode === 200 && successful(answer);
            done(good, good ? undefined : `HTTP ${response.statusCode}, ${answer.length} octets`);
          });
          response.on('error', (e) => done(false, e.message));
        },
      );
      request.on('error', (e) => done(false, e.message));
      request.end(body);
    });

  const worker = async (): Promise<void> => {
    while (performance.now() < end) await once();
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
  agent.destroy();
  const result: LoadResult = { ok, failed, elapsedMs: job.durationMs, latencies };
  return firstError === undefined ? result : { ...result, firstError };
}

process.on('message', (message: LoadJob | { stop: true }) => {
  if ('stop' in message) {
    process.disconnect();
    return;
  }
  void runJob(message).then((result) => process.send!(result));
});
process.on('disconnect', () => process.exit(0));
