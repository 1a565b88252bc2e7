/**
 * `ocsp`: requests per second and latency of Keyline's OCSP endpoint (issue 3, section 5), against
 * `openssl ocsp` serving the same certificates as a responder, in the same run.
 *
 * Setup: a real deployment (lib/ca-deployment.ts) whose issuing CA issues a few hundred device
 * certificates (a few of them revoked) and makes its delegated OCSP signer. Keyline: the real
 * `keyline serve --ocsp-port 0` over that data directory, in its own process (lib/ocsp-servers.ts),
 * as an operator runs it (logs at info); its OCSP port is the lean listener (server/ocsp/listener.ts).
 * A second one adds `--ocsp-workers <cores>` (the listener in one worker process per core). OpenSSL:
 * `openssl ocsp` in its own process (no `-multi`) with the same issuing CA certificate, an index.txt
 * listing the same serials and statuses, and a P-256 responder key and certificate of its own (the
 * responder does not check its signer's chain; the signature is the same curve as Keyline's
 * delegated signer).
 *
 * Load: wrk (lib/ocsp-wrk-load.ts, lib/ocsp-wrk.lua) when installed, else a Node process
 * (lib/ocsp-socket-load.ts); either keeps `CONCURRENCY` connections, each with one POST in flight,
 * of the same pre-built DER requests for every server (one SHA-1 CertID each, no nonce, random
 * serials from the issued set: RFC 5019, what browsers send). HTTP/1.1 keeps connections open;
 * `openssl ocsp` answers HTTP/1.0 and closes every connection (it serves one connection at a time),
 * so each of its requests pays a connect. `keyline-nonce` sends requests with a nonce (RFC 8954),
 * which Keyline signs afresh each time, as OpenSSL signs every response; `keyline-main-port` asks
 * the main HTTP port (Fastify's server) instead of the OCSP port. `node-constant-bytes` (full runs) is
 * the ceiling of any Node.js responder here: a node:net server that sends Keyline's recorded answer
 * back for every request and does nothing else (lib/ocsp-constant-server.ts).
 *
 * Rounds rotate over the targets; a round's rate is successful responses per second of wall time.
 * `ratio` is the median over rounds of the target's rate / OpenSSL's rate in the same round. Each
 * result also gives the server's CPU time (its processes, /proc) per 1,000 answers, a figure that a
 * busy shared machine distorts less. docs/benchmarks.md (ocsp) explains the choices.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOcspRequest, Certificate, certIdFor, OcspResponse } from '@keyline/core';
import { CLI_ACTOR } from '../packages/keyline/src/ca/service-port.js';
import type { CertificateRecord } from '../packages/keyline/src/ca/records.js';
import { BENCH_PASSPHRASE, makeDeployment } from './lib/ca-deployment.js';
import { median, quantile } from './lib/measure.js';
import { runWrk, tcpActiveOpens, wrkVersion, writeRequestFile, type WrkResult } from './lib/ocsp-wrk-load.js';
import { processTreeCpuSeconds, startConstantServer, startKeyline, startOpenssl, stopAll } from './lib/ocsp-servers.js';
import type { SocketLoadJob, SocketLoadResult } from './lib/ocsp-socket-load.js';
import { machineInfo, type MachineInfo } from './lib/report.js';

const CERTIFICATES = 300;
const REVOKED = 10;
const CONCURRENCY = 32;
const REQUEST_POOL = 1024;
/** OCSP worker processes of `keyline-workers`: one per core, as an operator would run them. */
const WORKERS = availableParallelism();
const QUICK = { rounds: 2, durationMs: 1000, warmupMs: 250 };
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
  /** Worker processes serving (results that use several cores only). */
  readonly threads?: number;
  readonly rounds: number;
  readonly requests: number;
  readonly server: string;
}

export interface OcspBenchReport {
  readonly bench: 'ocsp';
  readonly baseline: { readonly op: string; readonly perSecond: number };
  readonly results: readonly OcspBenchResult[];
  readonly clock: 'wall clock';
  /** The load generator: wrk when installed, else the Node one (ocsp-socket-load.ts). */
  readonly generator: string;
  readonly concurrency: number;
  readonly certificates: number;
  readonly goal: { readonly ratio: number; readonly p99Ms: number; readonly met: boolean };
  readonly quick: boolean;
  readonly machine: MachineInfo;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** One round's figures, from either generator. */
type RoundResult = WrkResult & { readonly connections: number };

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
    // The workers' server only in full runs: --quick has to end within 20 s.
    const [keyline, keylineWorkers] = await Promise.all([
      startKeyline(deployment.dir, BENCH_PASSPHRASE, nodeArgs),
      options.quick
        ? undefined
        : startKeyline(deployment.dir, BENCH_PASSPHRASE, [], ['--ocsp-workers', String(WORKERS)]),
    ]);
    children.push(keyline.child);
    if (keylineWorkers !== undefined) children.push(keylineWorkers.child);
    const keylineUrl = `${keyline.url}/ocsp/${caId}`;
    const keylineOcspUrl = `${keyline.ocspUrl}/ocsp/${caId}`;
    const keylineWorkersUrl = keylineWorkers === undefined ? undefined : `${keylineWorkers.ocspUrl}/ocsp/${caId}`;

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
    const opensslFiles = {
      index: join(work, 'index.txt'),
      caCert: join(work, 'ca.pem'),
      responderCert: join(work, 'responder.pem'),
      responderKey: join(work, 'responder.key'),
    };
    let opensslServer = await startOpenssl(opensslFiles);
    children.push(opensslServer.child);
    const opensslUrl = opensslServer.url;
    /**
     * A fresh `openssl ocsp` after each wrk round: when wrk stops it closes its connections, some of
     * them accepted by the kernel but not yet written to, and OpenSSL 3.0's responder then spins
     * forever reading end-of-file on one of them (it would burn a CPU through the other rounds).
     */
    const restartOpenssl = async (): Promise<void> => {
      await stopAll([opensslServer.child]);
      opensslServer = await startOpenssl(opensslFiles);
      children.push(opensslServer.child);
    };

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
        [keylineOcspUrl, false],
        [keylineOcspUrl, true],
        ...(keylineWorkersUrl === undefined ? [] : [[keylineWorkersUrl, false] as const]),
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

    // The ceiling (full runs): Keyline's own answer for a good certificate, sent back for every
    // request by a server that does nothing else.
    let constantUrl: string | undefined;
    let constantPid: number | undefined;
    if (!options.quick) {
      const goodAnswer = await post(keylineOcspUrl, buildOcspRequest({ certIds: [certIdOf(records[REVOKED]!)] }));
      const constant = await startConstantServer(goodAnswer);
      children.push(constant.child);
      const echoed = await post(constant.url, plain[0]!);
      if (Buffer.compare(Buffer.from(echoed), Buffer.from(goodAnswer)) !== 0) {
        throw new Error('the constant-bytes server does not answer the recorded bytes');
      }
      constantUrl = constant.url;
      constantPid = constant.child.pid;
    }

    // KEYLINE_BENCH_GENERATOR=node forces the Node generator (the fallback when wrk is absent).
    const forceNode = process.env['KEYLINE_BENCH_GENERATOR'] === 'node';
    const wrk = forceNode ? undefined : wrkVersion();
    const nodeWhy = forceNode ? 'KEYLINE_BENCH_GENERATOR=node' : 'wrk not found';
    const requestFiles = {
      plain: writeRequestFile(join(work, 'plain.hex'), plain),
      nonced: writeRequestFile(join(work, 'nonced.hex'), nonced),
    };
    let generator: ChildProcess | undefined;
    if (wrk === undefined) {
      process.stderr.write(
        forceNode
          ? 'ocsp bench: Node generator (KEYLINE_BENCH_GENERATOR=node)\n'
          : 'ocsp bench: wrk not found (scripts/ensure-services.sh installs it): Node generator\n',
      );
      generator = fork(join(dirname(fileURLToPath(import.meta.url)), 'lib', 'ocsp-socket-load.ts'), [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(generator);
    }
    const nodeLoad = (url: string, requests: readonly Uint8Array[]): Promise<SocketLoadResult> =>
      new Promise((resolve, reject) => {
        const job: SocketLoadJob = {
          url,
          requests: requests.map((r) => Buffer.from(r).toString('base64')),
          concurrency: CONCURRENCY,
          durationMs: plan.durationMs,
          warmupMs: plan.warmupMs,
        };
        generator!.once('message', (m) => resolve(m as SocketLoadResult));
        generator!.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
        generator!.send(job);
      });
    /** One round against one target, by whichever generator there is. */
    const load = async (url: string, nonce: boolean): Promise<RoundResult> => {
      if (generator === undefined) {
        const opensBefore = tcpActiveOpens();
        const result = await runWrk({
          url,
          requestFile: nonce ? requestFiles.nonced : requestFiles.plain,
          connections: CONCURRENCY,
          threads: 1,
          durationSeconds: Math.round(plan.durationMs / 1000),
        });
        return { ...result, connections: tcpActiveOpens() - opensBefore };
      }
      const result = await nodeLoad(url, nonce ? nonced : plain);
      generator.removeAllListeners('exit');
      return { ...result, p50Ms: quantile(result.latencies, 0.5), p99Ms: quantile(result.latencies, 0.99) };
    };

    const allTargets = [
      {
        name: 'openssl',
        url: opensslUrl,
        nonce: false,
        pid: undefined,
        server: 'openssl ocsp (one process, no -multi), signs every response',
      },
      {
        name: 'keyline',
        url: keylineOcspUrl,
        nonce: false,
        pid: keyline.child.pid,
        server: 'keyline serve --ocsp-port (own process, logs at info): the lean OCSP listener, pre-signed responses',
      },
      {
        name: 'keyline-nonce',
        url: keylineOcspUrl,
        nonce: true,
        pid: keyline.child.pid,
        server: 'keyline serve --ocsp-port, every request with a nonce: signed afresh (RFC 8954)',
      },
      {
        name: 'keyline-workers',
        url: keylineWorkersUrl ?? '',
        nonce: false,
        pid: keylineWorkers?.child.pid,
        threads: WORKERS,
        fullOnly: true,
        server: `keyline serve --ocsp-port --ocsp-workers ${WORKERS}: the lean OCSP listener in ${WORKERS} worker processes (node:cluster)`,
      },
      {
        name: 'keyline-main-port',
        url: keylineUrl,
        nonce: false,
        pid: keyline.child.pid,
        server: "keyline serve's main HTTP port (Fastify's server, the OCSP fast path), pre-signed responses",
        // Only in full runs: --quick has to end within 20 s.
        fullOnly: true,
      },
      {
        name: 'node-constant-bytes',
        url: constantUrl ?? '',
        nonce: false,
        pid: constantPid,
        server:
          'ceiling: a node:net server answering every request with the same recorded OCSP answer and doing nothing else (bench/lib/ocsp-constant-server.ts)',
        fullOnly: true,
      },
    ];
    const targets = allTargets.filter((t) => !options.quick || !('fullOnly' in t));
    // Warm-up, not counted: each Keyline process (each worker too) signs the responses its cache
    // lacks and compiles its hot path, as it would have long done in service.
    // (Both at once with wrk; the Node generator runs one job at a time.)
    const warm = [keylineOcspUrl, ...(keylineWorkersUrl === undefined ? [] : [keylineWorkersUrl])];
    if (generator === undefined) await Promise.all(warm.map((url) => load(url, false)));
    else for (const url of warm) await load(url, false);
    const rates = targets.map((): number[] => []);
    const p50s = targets.map((): number[] => []);
    const p99s = targets.map((): number[] => []);
    const cpuSeconds = targets.map(() => 0);
    const connections = targets.map(() => 0);
    const answered = targets.map(() => 0);
    const failed = targets.map(() => 0);
    const errors: string[] = [];
    for (let r = 0; r < plan.rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const index = (k + r) % targets.length;
        const target = targets[index]!;
        const isOpenssl = target.name === 'openssl';
        const pid = isOpenssl ? opensslServer.child.pid : target.pid;
        const cpuBefore = processTreeCpuSeconds(pid);
        const result = await load(isOpenssl ? opensslServer.url : target.url, target.nonce);
        // Includes the warm-up's work (Node generator): a slight overestimate per answer, the same for every target.
        cpuSeconds[index]! += processTreeCpuSeconds(pid) - cpuBefore;
        if (isOpenssl && generator === undefined) await restartOpenssl();
        rates[index]!.push((result.ok * 1000) / result.elapsedMs);
        p50s[index]!.push(result.p50Ms);
        p99s[index]!.push(result.p99Ms);
        connections[index]! += result.connections;
        answered[index]! += result.ok;
        failed[index]! += result.failed;
        if (result.firstError !== undefined) errors.push(`${target.name}: ${result.firstError}`);
      }
    }
    generator?.send({ stop: true });

    // The warm-up's answers were served too: count them into the CPU per answer.
    const warmShare = generator === undefined ? 1 : (plan.durationMs + plan.warmupMs) / plan.durationMs;
    const baselineRates = rates[0]!;
    const results = targets.map((t, i): OcspBenchResult => {
      const ratios = rates[i]!.map((rate, n) => rate / baselineRates[n]!);
      return {
        name: t.name,
        perSecond: Math.round(median(rates[i]!)),
        ratio: round(median(ratios), 2),
        ratioRange: [round(quantile(ratios, 0.25), 2), round(quantile(ratios, 0.75), 2)],
        // The median of the rounds' medians; the worst round's p99 (at least the p99 of all answers).
        p50Ms: round(median(p50s[i]!), 3),
        p99Ms: round(Math.max(...p99s[i]!), 3),
        serverCpuMsPer1000: round((cpuSeconds[i]! * 1e6) / (answered[i]! * warmShare), 1),
        connectionsPer1000: round((connections[i]! * 1000) / answered[i]!, 1),
        failed: failed[i]!,
        ...('threads' in t && { threads: t.threads }),
        rounds: rates[i]!.length,
        requests: answered[i]!,
        server: t.server,
      };
    });
    if (errors.length > 0) process.stderr.write(`ocsp bench: failed requests: ${errors.join('; ')}\n`);
    const ours = results[1]!;
    return {
      bench: 'ocsp',
      baseline: { op: `openssl ocsp responder, ${CONCURRENCY} requests in flight`, perSecond: results[0]!.perSecond },
      results: [...results.slice(1), results[0]!],
      generator:
        wrk === undefined ? `node raw sockets (bench/lib/ocsp-socket-load.ts): ${nodeWhy}` : `${wrk}, 1 thread`,
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
