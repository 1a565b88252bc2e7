/**
 * `ca-issue`: certificates issued per second through the CA core into SQLite (issue 3, section 5).
 *
 * A real deployment (lib/ca-deployment.ts: SQLite store, encrypted file keys, the CA service) in a
 * temporary directory. Every issuance is the whole issuance cycle (ca/issuance-cycle.ts): build,
 * lint, persist serial and TBS, sign, check, record, append to the audit log; a batch does each
 * persisting step for all its certificates in one transaction.
 * Baseline: raw `crypto.sign('sha256', message, key)` with a P-256 key over a message as long as a
 * device TBS, measured in the same run. Results, certificates per second:
 *   - `ca-sqlite`: `issueDevices` in batches of 100 with `lint: 'template'` (the first of each batch
 *     decoded and linted, the others built by the compiled and linted device template, whose writer
 *     checks each per-device field) and `signingThreads` (the CA key's signing pool, keys/pool/):
 *     the pool signs the batch in pieces while the main thread records the pieces already signed
 *     (ca/pipelined-cycle.ts). `threads`: the main thread and the pool's;
 *   - `ca-sqlite-template`: the same path on one thread (no pool): every signature on the main thread;
 *   - `ca-sqlite-each`: batches of 100 with `lint: 'each'` (every certificate decoded and linted in
 *     full) and the pool; `ca-sqlite-each-1-thread`: the same on one thread;
 *   - `ca-sqlite-1000`: as `ca-sqlite` in batches of 1,000;
 *   - `ca-sqlite-device`: `issueDevices` with one device per call (`lint: 'each'`, one thread);
 *   - `ca-sqlite-csr`: `issue` from a PKCS#10 CSR, one at a time (verify the CSR's signature, lint, ...);
 *   - `ca-postgres`: as `ca-sqlite` on PostgreSQL.
 * Time is the wall clock (lib/measure-wall.ts): the store's writes are part of the cost.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { buildCsr, Certificate, encodeName, generateSigner, OID } from '@keyline/core';
import pg from 'pg';
import type { DeviceRequest } from '../packages/keyline/src/ca/index.js';
import { CLI_ACTOR } from '../packages/keyline/src/ca/service-port.js';
import { makeDeployment, type BenchDeployment } from './lib/ca-deployment.js';
import type { BenchCase, MeasureOptions } from './lib/measure.js';
import { cpuView, measureWall, perUnit, type WallFigures } from './lib/measure-wall.js';
import { makeReport, type BenchReport } from './lib/report.js';

const BATCH = 100;
const LARGE_BATCH = 1000;
const DEVICE_POOL = 4096;
const CSR_POOL = 512;
/** Signing threads of the pooled cases: every core but the one the main thread uses (at least one). */
const POOL_THREADS = Math.max(1, availableParallelism() - 1);
const POOLED = { lint: 'template', signingThreads: POOL_THREADS } as const;
const QUICK: MeasureOptions = { rounds: 5, sliceMs: 200, warmupMs: 200 };
const FULL: MeasureOptions = { rounds: 30, sliceMs: 600, warmupMs: 1500 };

function makeDevices(count: number): DeviceRequest[] {
  return Array.from({ length: count }, () => ({
    chipSerial: randomBytes(9),
    publicKey: new Uint8Array(
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }),
    ),
  }));
}

async function makeCsrs(count: number): Promise<Uint8Array[]> {
  const csrs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const chip = randomBytes(8).toString('hex');
    csrs.push(
      await buildCsr({
        subject: encodeName([[{ type: OID.commonName, value: chip }]]),
        signer: generateSigner('P-256'),
      }),
    );
  }
  return csrs;
}

/** PostgreSQL for `ca-postgres`: KEYLINE_BENCH_PG_URL (a maintenance-database URL) or the local server. */
const PG_ADMIN_URL = process.env['KEYLINE_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether the PostgreSQL server answers; why not when it does not. */
async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function run(options: { quick: boolean }): Promise<BenchReport> {
  const deployment = await makeDeployment('ca-issue');
  const pgProblem = await probePostgres();
  let pgDeployment: BenchDeployment | undefined;
  try {
    if (pgProblem === undefined) pgDeployment = await makeDeployment('ca-issue-pg', { postgresAdminUrl: PG_ADMIN_URL });
    const { ca, issuing } = deployment;
    const caId = issuing.id;
    const devices = makeDevices(DEVICE_POOL);
    const csrs = await makeCsrs(CSR_POOL);

    // Before measuring: one certificate by each path, strict-decoded, issued by the issuing CA.
    const sample = await ca.issueDevices({ caId, devices: devices.slice(0, 1) }, CLI_ACTOR);
    const fromCsr = await ca.issue({ caId, csrDer: csrs[0]!, profile: 'device' }, CLI_ACTOR);
    const issuer = Certificate.fromDer(issuing.certificateDer!);
    for (const result of [sample[0]!, fromCsr]) {
      const cert = Certificate.fromDer(result.record.der!);
      if (Buffer.compare(cert.issuer.der, issuer.subject.der) !== 0 || result.reused) {
        throw new Error('a benchmark certificate was not issued by the issuing CA');
      }
    }
    const tbsLength = Certificate.fromDer(sample[0]!.record.der!).tbs.length;
    const message = randomBytes(tbsLength);
    const baselineKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

    let next = 0;
    const batch = (size = BATCH): DeviceRequest[] => {
      const out: DeviceRequest[] = [];
      for (let i = 0; i < size; i++) out.push(devices[next++ % DEVICE_POOL]!);
      return out;
    };
    let single = 0;
    let csr = 0;
    const onPg = pgDeployment;
    const pgCases: BenchCase[] =
      onPg === undefined
        ? []
        : [
            {
              name: 'ca-postgres',
              op: () => onPg.ca.issueDevices({ caId: onPg.issuing.id, devices: batch() }, CLI_ACTOR, POOLED),
              async: true,
            },
          ];
    const cases: BenchCase[] = [
      { name: 'crypto.sign', op: () => sign('sha256', message, baselineKey) },
      {
        name: 'ca-sqlite',
        op: () => ca.issueDevices({ caId, devices: batch() }, CLI_ACTOR, POOLED),
        async: true,
      },
      {
        name: 'ca-sqlite-template',
        op: () => ca.issueDevices({ caId, devices: batch() }, CLI_ACTOR, { lint: 'template' }),
        async: true,
      },
      {
        name: 'ca-sqlite-each',
        op: () =>
          ca.issueDevices({ caId, devices: batch() }, CLI_ACTOR, { lint: 'each', signingThreads: POOL_THREADS }),
        async: true,
      },
      {
        name: 'ca-sqlite-each-1-thread',
        op: () => ca.issueDevices({ caId, devices: batch() }, CLI_ACTOR, { lint: 'each' }),
        async: true,
      },
      {
        name: 'ca-sqlite-1000',
        op: () => ca.issueDevices({ caId, devices: batch(LARGE_BATCH) }, CLI_ACTOR, POOLED),
        async: true,
      },
      {
        name: 'ca-sqlite-device',
        op: () => ca.issueDevices({ caId, devices: [devices[single++ % DEVICE_POOL]!] }, CLI_ACTOR),
        async: true,
      },
      {
        name: 'ca-sqlite-csr',
        op: () => ca.issue({ caId, csrDer: csrs[csr++ % CSR_POOL]!, profile: 'device' }, CLI_ACTOR),
        async: true,
      },
      ...pgCases,
    ];
    const figures = await measureWall(cases, options.quick ? QUICK : FULL);
    const [baseline, ...measured] = figures;
    const [pooled, template, each, each1, large, device, viaCsr, onPostgres] = measured.map((f, i) =>
      i === 5 || i === 6 ? f : perUnit(f, i === 4 ? LARGE_BATCH : BATCH),
    );
    const cpu = (f: WallFigures | undefined) => cpuView(f!, baseline!);
    const pool = { threads: POOL_THREADS + 1, signingThreads: POOL_THREADS };
    const one = { threads: 1 };
    return {
      ...makeReport(
        'ca-issue',
        options.quick,
        { op: `crypto.sign('sha256', ${tbsLength}-byte message, P-256 key)`, figures: baseline! },
        [
          { ...pooled!, extra: { unit: 'certificates', batch: BATCH, lint: 'template', ...pool, ...cpu(pooled) } },
          { ...template!, extra: { unit: 'certificates', batch: BATCH, lint: 'template', ...one, ...cpu(template) } },
          { ...each!, extra: { unit: 'certificates', batch: BATCH, lint: 'each', ...pool, ...cpu(each) } },
          { ...each1!, extra: { unit: 'certificates', batch: BATCH, lint: 'each', ...one, ...cpu(each1) } },
          { ...large!, extra: { unit: 'certificates', batch: LARGE_BATCH, lint: 'template', ...pool, ...cpu(large) } },
          { ...device!, extra: { unit: 'certificates', batch: 1, lint: 'each', ...one, ...cpu(device) } },
          { ...viaCsr!, extra: { unit: 'certificates', from: 'PKCS#10 CSR', lint: 'each', ...one, ...cpu(viaCsr) } },
          ...(onPostgres === undefined
            ? []
            : [
                {
                  ...onPostgres,
                  extra: {
                    unit: 'certificates',
                    batch: BATCH,
                    lint: 'template',
                    ...pool,
                    store: 'PostgreSQL over loopback, a fresh database (server defaults, synchronous_commit on)',
                    ...cpu(onPostgres),
                    cpuNote: "cpuRatio counts this process only, not the PostgreSQL server's CPU",
                  },
                },
              ]),
        ],
      ),
      clock: 'wall clock (cpuPerSecond and cpuRatio: the same rounds by process CPU time, every thread counted)',
      store: 'SQLite (WAL, synchronous NORMAL), temporary data directory',
      ...(pgProblem !== undefined && { postgres: `ca-postgres skipped: ${pgProblem}` }),
      threads: `results with signingThreads sign on a pool of ${POOL_THREADS} worker thread(s) beside the main thread (threads: ${POOL_THREADS + 1}); the others run on the main thread alone (threads: 1)`,
      baselineCpuPerSecond: Math.round(baseline!.cpu.perSecond),
    } as unknown as BenchReport;
  } finally {
    await deployment.close();
    await pgDeployment?.close();
  }
}
