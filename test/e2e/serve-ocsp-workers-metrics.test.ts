import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleValue } from '../../packages/keyline/test/server/observability/prometheus-text.js';
import { enrolOverEst, install, serve, sh, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve --ocsp-workers 2`: the primary's /metrics adds in the OCSP workers' counters and
 * histograms (server/observability/worker-metrics.ts). The real binary; OCSP requests POSTed to the
 * OCSP port, each over a new connection (the primary hands connections to the workers in turn, so
 * both serve); /metrics read on the main port.
 */
let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
let server: Served;
let ocspUrl = '';
let request: Buffer;
const stopped = new Set<number>();

beforeAll(async () => {
  inst = install('keyline-e2e-ocsp-metrics-');
  server = await serve(inst, '--ocsp-port', '0', '--ocsp-workers', '2');
  ocspUrl = /ocsp on (http:\/\/\S+)/.exec(server.stdout())![1]!;
  const { ca } = await enrolOverEst(inst, server, '00112233aabbccef', inst.line1Id);
  await sh('sh', ['-c', `cat > issuer.pem <<'X'\n${ca.certificatePem}X`], { cwd: inst.dir });
  const made = await sh(
    'openssl',
    ['ocsp', '-issuer', 'issuer.pem', '-cert', 'device.pem', '-no_nonce', '-reqout', 'request.der'],
    { cwd: inst.dir },
  );
  if (made.code !== 0) throw new Error(`openssl ocsp -reqout failed: ${made.stderr}`);
  request = readFileSync(inst.path('request.der'));
}, 90_000);
afterAll(async () => {
  for (const pid of stopped) process.kill(pid, 'SIGCONT');
  if (server?.child.exitCode === null) await server.stop();
  inst?.remove();
});

/** POSTs the OCSP request over a connection of its own; resolves with the HTTP status. */
function postOcsp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${ocspUrl}/ocsp/${inst.line1Id}`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/ocsp-request', 'content-length': request.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(request);
  });
}

async function sendOcsp(count: number): Promise<void> {
  for (let i = 0; i < count; i++) expect(await postOcsp()).toBe(200);
}

async function scrape(): Promise<{ text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  return { text: await response.text(), ms: performance.now() - started };
}

/** The OCSP answers /metrics counts, by each of the three families that count them. */
function ocspCounts(text: string): { responses?: number; requests?: number; latency?: number; inf?: number } {
  const route = { method: 'POST', route: '/ocsp/:caId' };
  return {
    responses: sampleValue(text, 'keyline_ocsp_responses_total', { status: 'successful', cert_status: 'good' }),
    requests: sampleValue(text, 'keyline_http_requests_total', { ...route, status: '200' }),
    latency: sampleValue(text, 'keyline_http_request_duration_seconds_count', route),
    inf: sampleValue(text, 'keyline_http_request_duration_seconds_bucket', { ...route, le: '+Inf' }),
  };
}

const exactly = (n: number) => ({ responses: n, requests: n, latency: n, inf: n });

const workerPids = (): number[] =>
  readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'latin1')
    .trim()
    .split(/\s+/)
    .filter((pid) => pid !== '')
    .map(Number);

const N = 40;

/** Waits (up to 10 s) for `condition`: what the server writes reaches this process a moment later. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 10_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(condition()).toBe(true);
}

describe("keyline serve --ocsp-workers 2: the workers' metrics in the primary's /metrics", () => {
  it('counts every OCSP answer the workers gave, summed, with their labels; process metrics once', async () => {
    await sendOcsp(N);
    const { text } = await scrape();
    expect(ocspCounts(text)).toEqual(exactly(N));
    // The primary's own requests are still there (the EST enrolment), each family once, its process metrics once.
    expect(
      sampleValue(text, 'keyline_http_requests_total', {
        method: 'POST',
        route: '/.well-known/est/simpleenroll',
        status: '200',
      }),
    ).toBe(1);
    expect(text.match(/^# TYPE keyline_ocsp_responses_total counter$/gm)).toHaveLength(1);
    expect(text.match(/^# TYPE keyline_http_request_duration_seconds histogram$/gm)).toHaveLength(1);
    expect(text.match(/^keyline_process_start_time_seconds /gm)).toHaveLength(1);
    expect(text.match(/^keyline_process_resident_memory_bytes /gm)).toHaveLength(1);
  });

  it('a worker that does not answer (stopped) does not hold /metrics: its last answer counts', async () => {
    const [silent] = workerPids();
    process.kill(silent!, 'SIGSTOP');
    stopped.add(silent!);
    try {
      const { text, ms } = await scrape();
      expect(ms).toBeLessThan(5000);
      expect(ocspCounts(text)).toEqual(exactly(N));
      await until(() => server.stderr().includes('OCSP worker did not answer the metrics request in time'));
    } finally {
      process.kill(silent!, 'SIGCONT');
      stopped.delete(silent!);
    }
    // Its late answer is dropped; the next request is answered again.
    const { text } = await scrape();
    expect(ocspCounts(text)).toEqual(exactly(N));
  });

  it("a worker that died is replaced; what it counted stays in the sums, the replacement's adds to them", async () => {
    const [killed, kept] = workerPids();
    process.kill(killed!, 'SIGKILL');
    await until(() => {
      const pids = workerPids();
      return pids.length === 2 && pids.includes(kept!) && !pids.includes(killed!);
    });
    expect(server.stderr()).toContain('OCSP worker died: starting another');
    expect(ocspCounts((await scrape()).text)).toEqual(exactly(N));
    // Served by the surviving worker and the replacement (once it listens).
    await sendOcsp(10);
    expect(ocspCounts((await scrape()).text)).toEqual(exactly(N + 10));
  });

  it('stops on SIGTERM with its workers', async () => {
    expect(await server.stop()).toBe(0);
  });
});
