/**
 * `ocsp`: requests per second and latency of Keyline's OCSP endpoint (issue 3, section 5), against
 * `openssl ocsp` serving the same certificates as a responder, in the same run.
 *
 * Setup: a real deployment (lib/ca-deployment.ts) whose issuing CA issues a few hundred device
 * certificates (a few of them revoked) and makes its delegated OCSP signer. Keyline: the real
 * `keyline serve` over that data directory, in its own process (lib/ocsp-servers.ts), as an operator
 * runs it (logs at info). OpenSSL: `openssl ocsp` in its own process (no `-multi`) with the same
 * issuing CA certificate, an index.txt listing the same serials and statuses, and a P-256 responder
 * key and certificate of its own (the responder does not check its signer's chain; the signature is
 * the same curve as Keyline's delegated signer).
 *
 * Load: a separate Node process (lib/ocsp-socket-load.ts) keeps `CONCURRENCY` connections, each with
 * one POST in flight, of the same pre-built DER requests for both servers (one SHA-1 CertID each, no
 * nonce, random serials from the issued set: RFC 5019, what browsers send). It asks for keep-alive;
 * `openssl ocsp` answers HTTP/1.0 and closes every connection (it serves one connection at a time),
 * so each of its requests pays a connect, counted in its latency: that is how a client of it waits.
 * A third result, `keyline-nonce`, sends requests with a nonce (RFC 8954), which Keyline signs
 * afresh each time, as OpenSSL signs every response.
 *
 * Rounds rotate over the targets; a round's rate is successful responses per second of wall time.
 * `ratio` is the median over rounds of the target's rate / OpenSSL's rate in the same round. Each
 * result also gives the server process's CPU time per 1,000 answers (/proc), a figure that a busy
 * shared machine does not distort. docs/benchmarks.md (ocsp) explains the choices.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOcspRequest, Certificate, certIdFor, OcspResponse } from '@keyline/core';
import { CLI_ACTOR } from '../packages/keyline/src/ca/service-port.js';
import type { CertificateRecord } from '../packages/keyline/src/ca/records.js';
import { BENCH_PASSPHRASE, makeDeployment } from './lib/ca-deployment.js';
import { median, quantile } from './lib/measure.js';
import { processCpuSeconds, startKeyline, startOpenssl, stopAll } from './lib/ocsp-servers.js';
import type { SocketLoadJob, SocketLoadResult } from './lib/ocsp-socket-load.js';
import { machineInfo, type MachineInfo } from './lib/report.js';

const CERTIFICATES = 300;
const REVOKED = 10;
const CONCURRENCY = 32;
const REQUEST_POOL = 1024;
const QUICK = { rounds: 3, durationMs: 1000, warmupMs: 250 };
const FULL = { rounds: 8, durationMs: 5000, warmupMs: 500 };

export interface OcspBenchResult {
  readonly name: string;
  readonly perSecond: number;
  readonly ratio: number;
  readonly ratioRange: readonly [number, number];
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of the server process per 1,000 successful answers (user + system, ms). */
  readonly serverCpuMsPer1000: number;
  /** TCP connections the load generator opened per 1,000 successful answers. */
  readonly connectionsPer1000: number;
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
  readonly goal: { readonly ratio: number; readonly p99Ms: number; readonly met: boolean };
  readonly quick: boolean;
  readonly machine: MachineInfo;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

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
    // Makes and records the CA's delegated OCSP signer, which the server then uses.
    await ca.ensureOcspSigner(caId, CLI_ACTOR);

    // KEYLINE_BENCH_CPU_PROF=<dir> writes a CPU profile of the server (node --cpu-prof) there.
    const profile = process.env['KEYLINE_BENCH_CPU_PROF'];
    const nodeArgs = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
    const keyline = await startKeyline(deployment.dir, BENCH_PASSPHRASE, nodeArgs);
    children.push(keyline.child);
    const keylineUrl = `${keyline.url}/ocsp/${caId}`;

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
    const opensslServer = await startOpenssl({
      index: join(work, 'index.txt'),
      caCert: join(work, 'ca.pem'),
      responderCert: join(work, 'responder.pem'),
      responderKey: join(work, 'responder.key'),
    });
    children.push(opensslServer.child);
    const opensslUrl = opensslServer.url;

    // Requests: one CertID each, random issued serials; without nonce (RFC 5019), and with one.
    const certIdOf = (record: CertificateRecord) => certIdFor(issuer.subject.der, issuer.publicKey, record.serialHex);
    const pick = (): CertificateRecord => records[Math.floor(Math.random() * records.length)]!;
    const plain = Array.from({ length: REQUEST_POOL }, () => buildOcspRequest({ certIds: [certIdOf(pick())] }));
    const nonced = Array.from({ length: REQUEST_POOL }, () =>
      buildOcspRequest({ certIds: [certIdOf(pick())], nonce: new Uint8Array(randomBytes(16)) }),
    );

    // Before measuring: both answer a revoked and a good certificate correctly (and Keyline echoes
    // a nonce), which also makes Keyline load the CA and its signer.
    for (const record of [records[0]!, records[REVOKED]!]) {
      const expected = record.status === 'revoked' ? 'revoked' : 'good';
      const nonce = new Uint8Array(randomBytes(16));
      for (const [url, withNonce] of [
        [keylineUrl, false],
        [keylineUrl, true],
        [opensslUrl, false],
      ] as const) {
        const request = buildOcspRequest({ certIds: [certIdOf(record)], ...(withNonce && { nonce }) });
        const response = OcspResponse.fromDer(await post(url, request));
        const single = response.basic?.responses[0];
        if (response.status !== 'successful' || single?.certStatus.status !== expected) {
          throw new Error(`${url} answered ${response.status}/${String(single?.certStatus.status)}, not ${expected}`);
        }
        if (withNonce && Buffer.compare(Buffer.from(response.basic!.nonce ?? []), nonce) !== 0) {
          throw new Error(`${url} did not echo the nonce`);
        }
      }
    }

    const generator = fork(join(dirname(fileURLToPath(import.meta.url)), 'lib', 'ocsp-socket-load.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(generator);
    const load = (url: string, requests: readonly Uint8Array[]): Promise<SocketLoadResult> =>
      new Promise((resolve, reject) => {
        const job: SocketLoadJob = {
          url,
          requests: requests.map((r) => Buffer.from(r).toString('base64')),
          concurrency: CONCURRENCY,
          durationMs: plan.durationMs,
          warmupMs: plan.warmupMs,
        };
        generator.once('message', (m) => resolve(m as SocketLoadResult));
        generator.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
        generator.send(job);
      });

    const targets = [
      {
        name: 'openssl',
        url: opensslUrl,
        requests: plain,
        pid: opensslServer.child.pid,
        server: 'openssl ocsp (one process, no -multi), signs every response',
      },
      {
        name: 'keyline',
        url: keylineUrl,
        requests: plain,
        pid: keyline.child.pid,
        server: 'keyline serve (own process, logs at info), pre-signed cached responses',
      },
      {
        name: 'keyline-nonce',
        url: keylineUrl,
        requests: nonced,
        pid: keyline.child.pid,
        server: 'keyline serve, every request with a nonce: signed afresh (RFC 8954)',
      },
    ];
    const rates = targets.map((): number[] => []);
    const latencies = targets.map((): number[] => []);
    const cpuSeconds = targets.map(() => 0);
    const connections = targets.map(() => 0);
    const answered = targets.map(() => 0);
    const failed = targets.map(() => 0);
    const errors: string[] = [];
    for (let r = 0; r < plan.rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const index = (k + r) % targets.length;
        const target = targets[index]!;
        const cpuBefore = processCpuSeconds(target.pid);
        const result = await load(target.url, target.requests);
        // Includes the warm-up's work: a slight overestimate per answer, the same for every target.
        cpuSeconds[index]! += processCpuSeconds(target.pid) - cpuBefore;
        generator.removeAllListeners('exit');
        rates[index]!.push((result.ok * 1000) / result.elapsedMs);
        for (const l of result.latencies) latencies[index]!.push(l);
        connections[index]! += result.connections;
        answered[index]! += result.ok;
        failed[index]! += result.failed;
        if (result.firstError !== undefined) errors.push(`${target.name}: ${result.firstError}`);
      }
    }
    generator.send({ stop: true });

    // The warm-up's answers were served too: count them into the CPU per answer.
    const warmShare = (plan.durationMs + plan.warmupMs) / plan.durationMs;
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
        serverCpuMsPer1000: round((cpuSeconds[i]! * 1e6) / (answered[i]! * warmShare), 1),
        connectionsPer1000: round((connections[i]! * 1000) / answered[i]!, 1),
        failed: failed[i]!,
        rounds: rates[i]!.length,
        requests: latencies[i]!.length,
        server: t.server,
      };
    });
    if (errors.length > 0) process.stderr.write(`ocsp bench: failed requests: ${errors.join('; ')}\n`);
    const ours = results[1]!;
    return {
      bench: 'ocsp',
      baseline: { op: `openssl ocsp responder, ${CONCURRENCY} requests in flight`, perSecond: results[0]!.perSecond },
      results: [ours, results[2]!, results[0]!],
      clock: 'wall clock',
      concurrency: CONCURRENCY,
      certificates: CERTIFICATES,
      goal: { ratio: 10, p99Ms: 10, met: ours.ratio >= 10 && ours.p99Ms <= 10 },
      quick: options.quick,
      machine: machineInfo(),
    };
  } finally {
    await stopAll(children);
    process.removeListener('exit', killChildren);
    await deployment.close();
    rmSync(work, { recursive: true, force: true });
  }
}
