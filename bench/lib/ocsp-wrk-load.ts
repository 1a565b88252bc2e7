/**
 * The `ocsp` benchmark's load generator when wrk (https://github.com/wg/wrk, Debian's `wrk`) is on
 * the machine: one wrk process per round, running ocsp-wrk.lua, which POSTs the pre-built DER
 * requests round-robin and counts only HTTP 200 answers that are successful OCSPResponses.
 *
 * Why wrk: on 2 CPUs the generator shares the machine with the server it measures, and every
 * microsecond it spends is one the server does not get. wrk (C, epoll, one event loop per thread)
 * spends a fraction of what the Node generator (ocsp-socket-load.ts) does per request, and the same
 * generator serves both servers. The Node generator stays as the fallback when wrk is absent.
 *
 * Differences from the Node generator: wrk measures a request's latency from the moment it is
 * written, so a new connection's connect time (every `openssl ocsp` request) is not in it; it has
 * no warm-up (rounds rotate over the targets, and the servers have answered before measuring);
 * connections are counted from the kernel's TCP counters (see `tcpActiveOpens`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ocsp-wrk.lua');

export interface WrkJob {
  /** http://host:port/path: the requests are POSTs to that path. */
  readonly url: string;
  /** File of the DER requests, one hex line each (`writeRequestFile`). */
  readonly requestFile: string;
  readonly connections: number;
  readonly threads: number;
  /** Whole seconds (wrk's unit). */
  readonly durationSeconds: number;
}

export interface WrkResult {
  readonly ok: number;
  readonly failed: number;
  readonly elapsedMs: number;
  /** Latency percentiles of the round (every answer, successful or not), ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly firstError?: string;
}

/** wrk's version line, or undefined when wrk is not installed. */
export function wrkVersion(): string | undefined {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return undefined;
  const line = `${probe.stdout}${probe.stderr}`.split('\n')[0]?.trim();
  return line?.startsWith('wrk') === true ? line.split(' Copyright')[0] : undefined;
}

export function writeRequestFile(path: string, requests: readonly Uint8Array[]): string {
  writeFileSync(path, requests.map((r) => Buffer.from(r).toString('hex')).join('\n') + '\n');
  return path;
}

/**
 * A listener that closes every connection at once: wrk's URL names it, because wrk opens and
 * closes a connection to its URL before starting, and `openssl ocsp` (3.0.19) then spins forever on
 * that connection (it reads end-of-file in a loop); the Lua script sends the load to the target.
 */
function standIn(): Promise<{ port: number; close(): void }> {
  return new Promise((resolve, reject) => {
    const server = createNetServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() }),
    );
  });
}

export async function runWrk(job: WrkJob): Promise<WrkResult> {
  const stand = await standIn();
  try {
    return await wrk(job, stand.port);
  } finally {
    stand.close();
  }
}

function wrk(job: WrkJob, standInPort: number): Promise<WrkResult> {
  const url = new URL(job.url);
  const args = [
    `-t${job.threads}`,
    `-c${job.connections}`,
    `-d${job.durationSeconds}s`,
    '--timeout',
    '5s',
    '-s',
    SCRIPT,
    `http://127.0.0.1:${standInPort}${url.pathname}`,
    '--',
    job.requestFile,
    url.pathname,
  ];
  return new Promise((resolve, reject) => {
    const env = { ...process.env, OCSP_TARGET_HOST: url.hostname, OCSP_TARGET_PORT: url.port };
    const child = spawn('wrk', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRK-JSON '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited with ${code}: ${err || out}`));
        return;
      }
      const report = JSON.parse(line.slice('WRK-JSON '.length)) as {
        ok: number;
        bad: number;
        durationUs: number;
        errors: Record<string, number>;
        firstBad: string;
        p50Us: number;
        p99Us: number;
      };
      const socketErrors = Object.values(report.errors).reduce((a, b) => a + b, 0);
      const firstError =
        report.firstBad !== ''
          ? report.firstBad
          : socketErrors > 0
            ? `socket errors ${JSON.stringify(report.errors)}`
            : undefined;
      const result: WrkResult = {
        ok: report.ok,
        // Connect/read/write errors of a server that closes connections are not failed answers,
        // except timeouts: a request that got no answer.
        failed: report.bad + (report.errors['timeout'] ?? 0),
        elapsedMs: report.durationUs / 1000,
        p50Ms: report.p50Us / 1000,
        p99Ms: report.p99Us / 1000,
      };
      resolve(firstError === undefined ? result : { ...result, firstError });
    });
  });
}

/**
 * TCP connections opened by any process of this network namespace so far (/proc/net/snmp,
 * Tcp ActiveOpens): wrk does not report its reconnections, so the benchmark counts connects around
 * each round. Others' connections on the machine add to it (a few per second at most).
 */
export function tcpActiveOpens(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('Tcp:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf('ActiveOpens')]);
  } catch {
    return Number.NaN;
  }
}
