/**
 * `ca-issue`: certificates issued per second through the CA core into SQLite (issue 3, section 5).
 *
 * A real deployment (lib/ca-deployment.ts: SQLite store, encrypted file keys, the CA service) in a
 * temporary directory. Every issuance is the whole issuance cycle: build, lint, reserve the record,
 * sign, check, record, append to the audit log, each step in its transaction.
 * Baseline: raw `crypto.sign('sha256', message, key)` with a P-256 key over a message as long as a
 * device TBS, measured in the same run. Results, certificates per second:
 *   - `ca-sqlite`: `issueDevices` in batches of 100 with `lint: 'each'` (every certificate linted):
 *     the factory line, the fastest path that lints every certificate;
 *   - `ca-sqlite-template`: the same batches with `lint: 'template'` (the first of each batch linted);
 *   - `ca-sqlite-device`: `issueDevices` with one device per call (`lint: 'each'`);
 *   - `ca-sqlite-csr`: `issue` from a PKCS#10 CSR, one at a time (verify the CSR's signature, lint, ...).
 * Time is the wall clock (lib/measure-wall.ts): the store's writes are part of the cost.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { buildCsr, Certificate, encodeName, generateSigner, OID } from '@keyline/core';
import type { DeviceRequest } from '../packages/keyline/src/ca/index.js';
import { CLI_ACTOR } from '../packages/keyline/src/ca/service-port.js';
import { makeDeployment } from './lib/ca-deployment.js';
import type { BenchCase, MeasureOptions } from './lib/measure.js';
import { measureWall, perUnit } from './lib/measure-wall.js';
import { makeReport, type BenchReport } from './lib/report.js';

const BATCH = 100;
const DEVICE_POOL = 4096;
const CSR_POOL = 512;
const QUICK: MeasureOptions = { rounds: 6, sliceMs: 250, warmupMs: 250 };
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

export async function run(options: { quick: boolean }): Promise<BenchReport> {
  const deployment = await makeDeployment('ca-issue');
  try {
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
    const batch = (): DeviceRequest[] => {
      const out: DeviceRequest[] = [];
      for (let i = 0; i < BATCH; i++) out.push(devices[next++ % DEVICE_POOL]!);
      return out;
    };
    let single = 0;
    let csr = 0;
    const cases: BenchCase[] = [
      { name: 'crypto.sign', op: () => sign('sha256', message, baselineKey) },
      {
        name: 'ca-sqlite',
        op: () => ca.issueDevices({ caId, devices: batch() }, CLI_ACTOR, { lint: 'each' }),
        async: true,
      },
      {
        name: 'ca-sqlite-template',
        op: () => ca.issueDevices({ caId, devices: batch() }, CLI_ACTOR, { lint: 'template' }),
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
    ];
    const figures = await measureWall(cases, options.quick ? QUICK : FULL);
    const [baseline, each, template, device, viaCsr] = figures;
    return {
      ...makeReport(
        'ca-issue',
        options.quick,
        { op: `crypto.sign('sha256', ${tbsLength}-byte message, P-256 key)`, figures: baseline! },
        [
          { ...perUnit(each!, BATCH), extra: { unit: 'certificates', batch: BATCH, lint: 'each' } },
          { ...perUnit(template!, BATCH), extra: { unit: 'certificates', batch: BATCH, lint: 'template' } },
          { ...device!, extra: { unit: 'certificates', batch: 1, lint: 'each' } },
          { ...viaCsr!, extra: { unit: 'certificates', from: 'PKCS#10 CSR', lint: 'each' } },
        ],
      ),
      clock: 'wall clock',
      store: 'SQLite (WAL, synchronous NORMAL), temporary data directory',
    } as unknown as BenchReport;
  } finally {
    await deployment.close();
  }
}
