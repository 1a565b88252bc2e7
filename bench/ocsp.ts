/**
 * `ocsp`: requests per second and latency of Keyline's OCSP endpoint (issue 3, section 5), against
 * `openssl ocsp` serving the same certificates as a responder, in the same run.
 *
 * Setup: a real deployment (lib/ca-deployment.ts) whose issuing CA issues a few hundred device
 * certificates (a few of them revoked); `createServer` on 127.0.0.1:0 with the CA's responses
 * pre-signed (`prewarmOcsp`, as `keyline serve` does). For OpenSSL: the same issuing CA certificate,
 * an index.txt listing the same serials and statuses, and a P-256 responder key and certificate of
 * its own (the responder does not check its signer's chain; the signing cost is the same curve).
 * Load: a separate Node process (lib/ocsp-load.ts) keeps `CONCURRENCY` POSTs of pre-built DER
 * requests (one CertID each, no nonce, random serials from the issued set) in flight over keep-alive
 * connections. Rounds alternate between the two servers; a round's rate is successful responses per
 * second of wall time. `ratio` is the median over rounds of keyline's rate / OpenSSL's rate.
 * `openssl ocsp` runs as one process (no `-multi`), which answers one request per connection.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOcspRequest, Certificate, certIdFor, OcspResponse } from '@keyline/core';
import { createServer } from '../packages/keyline/src/server/index.js';
import { CLI_ACTOR } from '../packages/keyline/src/ca/service-port.js';
import type { CertificateRecord } from '../packages/keyline/src/ca/records.js';
import { makeDeployment } from './lib/ca-deployment.js';
import { median, quantile } from './lib/measure.js';
import type { LoadJob, LoadResult } from './lib/ocsp-load.js';
import { machineInfo, type MachineInfo } from './lib/report.js';

const CERTIFICATES = 300;
const REVOKED = 10;
const CONCURRENCY = 32;
const REQUEST_POOL = 1024;
const QUICK = { rounds: 3, durationMs: 1500, warmupMs: 300 };
const FULL = { rounds: 8, durationMs: 5000, warmupMs: 500 };

export interface OcspBenchResult {
  readonly name: string;
  readonly perSecond: number;
  readonly ratio: number;
  readonly ratioRange: readonly [number, number];
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly rounds: number;
  readonly requests: number;
  readonly server: string;
}

export interface OcspBenchReport {
  readonly bench: 'ocsp';
  readonly baseline: { readonly op: string; readonly perSecond: number };
  readonly results: readonly OcspBenchResult[];
  readonly clock: 'wall clock';
  readonly concurrency: number;
  readonly certificates: number;
  readonly quick: boolean;
  readonly machine: MachineInfo;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** A TCP port free on 127.0.0.1 now (for `openssl ocsp -port`, which takes no port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `openssl ocsp` says it is waiting for connections (or rejects after `ms`). */
function waitForResponder(child: ChildProcess, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`openssl ocsp did not start: ${seen}`)), ms);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('waiting for OCSP client connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl ocsp exited with ${code}: ${seen}`));
    });
  });
}

/** index.txt time: UTCTime text through 2049, GeneralizedTime text after (as `openssl ca` writes). */
function indexTime(date: Date): string {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return (date.getUTCFullYear() < 2050 ? iso.slice(2) : iso) + 'Z';
}

/** The serial as OpenSSL's index lookup writes it (BN_bn2hex: upper case, whole octets, no leading zero octets). */
function indexSerial(serialHex: string): string {
  let hex = serialHex.toUpperCase();
  if (hex.length % 2 === 1) hex = `0${hex}`;
  while (hex.length > 2 && hex.startsWith('00')) hex = hex.slice(2);
  return hex;
}

function indexLine(record: CertificateRecord): string {
  const cert = Certificate.fromDer(record.der!);
  const subject = `/CN=${cert.serialHex}`;
  const expiry = indexTime(cert.notAfter);
  const serial = indexSerial(record.serialHex);
  if (record.status === 'revoked') {
    return `R\t${expiry}\t${indexTime(record.revokedAt ?? new Date())}\t${serial}\tunknown\t${subject}\n`;
  }
  return `V\t${expiry}\t\t${serial}\tunknown\t${subject}\n`;
}

function openssl(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** One POST on its own connection, with a time limit (a check before measuring). */
function post(url: string, body: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 5000,
        headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length, connection: 'close' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${url} did not answer within 5 s`)));
    request.on('error', reject);
    request.end(body);
  });
}

export async function run(options: { quick: boolean }): Promise<OcspBenchReport> {
  const plan = options.quick ? QUICK : FULL;
  const children: ChildProcess[] = [];
  const killChildren = (): void => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  };
  process.once('exit', killChildren);
  const deployment = await makeDeployment('ocsp');
  const work = mkdtempSync(join(tmpdir(), 'keyline-bench-openssl-'));
  let app: ReturnType<typeof createServer> | undefined;
  try {
    const { ca, issuing } = deployment;
    const caId = issuing.id;
    const devices = Array.from({ length: CERTIFICATES }, () => ({
      chipSerial: randomBytes(9),
      publicKey: new Uint8Array(
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
      ),
    }));
    const issued = (await ca.issueDevices({ caId, devices }, CLI_ACTOR)).map((r) => r.record);
    for (const record of issued.slice(0, REVOKED)) {
      await ca.revoke({ caId, serialHex: record.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    }
    const records = await Promise.all(
      issued.map(async (r) => (await deployment.store.certificates.getBySerial(caId, r.serialHex))!),
    );
    await ca.prewarmOcsp(caId);

    app = createServer({ store: deployment.store, ca, clock: deployment.clock });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port: keylinePort } = app.server.address() as { port: number };
    const keylineUrl = `http://127.0.0.1:${keylinePort}/ocsp/${caId}`;

    // The OpenSSL responder over the same CA certificate and statuses.
    const issuer = Certificate.fromDer(issuing.certificateDer!);
    writeFileSync(join(work, 'ca.pem'), issuer.toPem());
    writeFileSync(join(work, 'index.txt'), records.map(indexLine).join(''));
    writeFileSync(join(work, 'index.txt.attr'), 'unique_subject = no\n');
    openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=Bench OpenSSL OCSP Responder',
      '-keyout',
      join(work, 'responder.key'),
      '-out',
      join(work, 'responder.pem'),
    ]);
    const opensslPort = await freePort();
    const responder = spawn(
      'openssl',
      [
        'ocsp',
        '-index',
        join(work, 'index.txt'),
        '-port',
        String(opensslPort),
        '-rsigner',
        join(work, 'responder.pem'),
        '-rkey',
        join(work, 'responder.key'),
        '-CA',
        join(work, 'ca.pem'),
        '-nmin',
        '5',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(responder);
    await waitForResponder(responder);
    const opensslUrl = `http://127.0.0.1:${opensslPort}/`;

    // Requests: one CertID each, no nonce (as constrained clients send them), random issued serials.
    const requests = Array.from({ length: REQUEST_POOL }, () => {
      const record = records[Math.floor(Math.random() * records.length)]!;
      return buildOcspRequest({ certIds: [certIdFor(issuer.subject.der, issuer.publicKey, record.serialHex)] });
    });

    // Before measuring: both answer a revoked and a good certificate correctly, and agree.
    for (const record of [records[0]!, records[REVOKED]!]) {
      const request = buildOcspRequest({
        certIds: [certIdFor(issuer.subject.der, issuer.publicKey, record.serialHex)],
      });
      for (const url of [keylineUrl, opensslUrl]) {
        const response = OcspResponse.fromDer(await post(url, request));
        const single = response.basic?.responses[0];
        const expected = record.status === 'revoked' ? 'revoked' : 'good';
        if (response.status !== 'successful' || single?.certStatus.status !== expected) {
          throw new Error(`${url} answered ${response.status}/${String(single?.certStatus.status)}, not ${expected}`);
        }
      }
    }

    const generator = fork(join(dirname(fileURLToPath(import.meta.url)), 'lib', 'ocsp-load.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(generator);
    const load = (url: string): Promise<LoadResult> =>
      new Promise((resolve, reject) => {
        const job: LoadJob = {
          url,
          requests: requests.map((r) => Buffer.from(r).toString('base64')),
          concurrency: CONCURRENCY,
          durationMs: plan.durationMs,
          warmupMs: plan.warmupMs,
        };
        generator.once('message', (m) => resolve(m as LoadResult));
        generator.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
        generator.send(job);
      });

    const targets = [
      { name: 'openssl', url: opensslUrl, server: 'openssl ocsp (one process, -nmin 5)' },
      { name: 'keyline', url: keylineUrl, server: 'createServer (Fastify) + CA core, pre-signed responses' },
    ];
    const rates = targets.map((): number[] => []);
    const latencies = targets.map((): number[] => []);
    const failed = targets.map(() => 0);
    const errors: string[] = [];
    for (let r = 0; r < plan.rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const index = (k + r) % targets.length;
        const result = await load(targets[index]!.url);
        generator.removeAllListeners('exit');
        rates[index]!.push((result.ok * 1000) / result.elapsedMs);
        for (const l of result.latencies) latencies[index]!.push(l);
        failed[index]! += result.failed;
        if (result.firstError !== undefined) errors.push(`${targets[index]!.name}: ${result.firstError}`);
      }
    }
    generator.send({ stop: true });

    const baselineRates = rates[0]!;
    const results = targets.map((t, i): OcspBenchResult => {
      const ratios = rates[i]!.map((rate, n) => rate / baselineRates[n]!);
      return {
        name: t.name,
        perSecond: Math.round(median(rates[i]!)),
        ratio: round(median(ratios), 2),
        ratioRange: [round(quantile(ratios, 0.25), 2), round(quantile(ratios, 0.75), 2)],
        p50Ms: round(quantile(latencies[i]!, 0.5), 3),
        p99Ms: round(quantile(latencies[i]!, 0.99), 3),
        failed: failed[i]!,
        rounds: rates[i]!.length,
        requests: latencies[i]!.length,
        server: t.server,
      };
    });
    if (errors.length > 0) process.stderr.write(`ocsp bench: failed requests: ${errors.join('; ')}\n`);
    return {
      bench: 'ocsp',
      baseline: { op: `openssl ocsp responder, ${CONCURRENCY} requests in flight`, perSecond: results[0]!.perSecond },
      results: [results[1]!, results[0]!],
      clock: 'wall clock',
      concurrency: CONCURRENCY,
      certificates: CERTIFICATES,
      quick: options.quick,
      machine: machineInfo(),
    };
  } finally {
    killChildren();
    process.removeListener('exit', killChildren);
    if (app !== undefined) await app.close();
    await deployment.close();
    rmSync(work, { recursive: true, force: true });
  }
}
