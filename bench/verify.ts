/**
 * `verify`: device identity verifications per second (issue 5 section 6).
 *
 * Baseline: half the rate of a raw `crypto.verify` of an ES256 (P-256) signature with an already
 * imported key, measured in the same run: a device verification needs at least two such checks
 * (the device certificate under its issuing CA, the token under the device key), so a ratio of 1
 * means no cost beyond them.
 * Results:
 *   - `keyline`: a verification service's throughput on every core: keyline's DeviceVerifierPool
 *     (packages/keyline/src/verification) with one worker thread per CPU, each running the check of
 *     `keyline (one thread)` below with its own ValidationCache (nonce via `{ nonce }` checked in
 *     the worker). Measured by the wall clock (a pool's work is spread over threads) against the
 *     baseline measured by the wall clock in the same rounds, with `threads: N`; `ratioPerThread`
 *     is the ratio divided by N. A steady load keeps IN_FLIGHT verifications outstanding (a new one
 *     starts as each completes); one operation is PER_OPERATION of them, started and completed
 *     within it.
 *   - `keyline (pool, one thread)`: the same pool with one worker, measured the same way: the
 *     pool's code path on one thread.
 *   - `keyline (one thread)`: `verifyDeviceSync` on an attestation token with its chain in x5c (the full check:
 *     token form, chain validation with profile `ecosystem`, x5c shape, device identity, proof of
 *     possession, audience, iat, nonce via `{ nonce }`), with a shared ValidationCache so the CA
 *     certificates are decoded and verified once. Every operation takes the next device of a pool
 *     larger than every cache, so each device is new: its certificate is decoded, validated and
 *     linted, its key imported, both signatures verified.
 *   - `keyline (returning device)`: the same, with a pool small enough that device keys stay in
 *     the crypto layer's key cache (a device attesting again): no key import.
 *   - `crypto floor (new device)`: only the OpenSSL work no verifier can skip for a new device:
 *     import its P-256 key (from JWK, the cheapest Node 20 path, docs/device-verification.md),
 *     verify the token signature with it, verify its certificate's signature with the (already
 *     imported) issuing CA key. The ceiling for `keyline`: what is left between the two is the
 *     JavaScript of the check.
 *   - `@peculiar/x509`: the same check built on @peculiar/x509 over WebCrypto: token parsed with
 *     JSON.parse, the leaf decoded, `X509ChainBuilder` finding and verifying its issuer among the
 *     cached CA certificates (themselves validated to the root once, before measuring), validity
 *     dates, claims, and the token signature verified with `crypto.subtle.verify`.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { createPublicKey, generateKeyPairSync, sign, verify, webcrypto, type JsonWebKey } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as x509 from '@peculiar/x509';
import {
  Certificate,
  ValidationCache,
  deviceTemplateShapes,
  verifyDeviceSync,
  type VerifyDeviceOptions,
} from '@keyline/core';
import { DeviceVerifierPool } from '../packages/keyline/src/verification/index.js';
import { FULL, QUICK, measure, type BenchCase, type CaseFigures, type MeasureOptions } from './lib/measure.js';
import { measureWall, perUnit } from './lib/measure-wall.js';
import { SteadyLoad } from './lib/steady-load.js';
import { makeReport, type BenchReport } from './lib/report.js';
import {
  VERIFY_AUDIENCE,
  VERIFY_NOW,
  makeDevices,
  makeVerifyWorld,
  type BenchDevice,
  type VerifyWorld,
} from './lib/verify-pki.js';

/**
 * Larger than the crypto layer's key cache (1,024 keys), the remembered device certificates (1,024)
 * and the ValidationCache below (256 entries): taken in a cycle, every device is new to each of them.
 */
const POOL = 2048;
const QUICK_POOL = 1280;
/**
 * The pool cases take this many devices per worker thread: each worker has its own caches and
 * meets about 1/threads of the devices, so the cycle must exceed 1,024 devices *per worker* for
 * every device to be new to the worker that gets it. Until 2026-12-06 the pool cases cycled over
 * the same 2,048 devices as the others: two workers then met about 1,024 each per cycle, which fit
 * their caches, so most devices came back as returning ones and `keyline` (0.743, then 0.91–0.95)
 * measured cache hits rather than new devices.
 */
const POOL_PER_THREAD = 2048;
const QUICK_POOL_PER_THREAD = 1280;
/** Small enough to stay in every cache. */
const RETURNING = 64;
/** Verifications outstanding at every moment in the pool cases (a service's concurrent requests). */
const IN_FLIGHT = 128;
/**
 * Verifications per operation of the pool cases (the unit their rates are divided by): each
 * operation runs exactly this many, IN_FLIGHT at a time, and ends when the last has completed
 * (SteadyLoad.run), so that no work of the slice is left uncounted in flight; large enough that
 * the operation's start and drain, where a worker may wait, are a small part of it.
 */
const PER_OPERATION = { quick: 512, full: 1024 };
/** Rounds of the pool cases (each operation takes about a quarter of a second in a full run). */
const POOL_ROUNDS = { quick: 12, full: 50 };
/** Warm-up of the pool's workers (their JIT and caches) before its rounds, in milliseconds. */
const POOL_WARMUP_MS = { quick: 400, full: 3000 };

export async function run(options: { quick: boolean }): Promise<BenchReport> {
  const world = await makeVerifyWorld();
  const pool = options.quick ? QUICK_POOL : POOL;
  const perThread = options.quick ? QUICK_POOL_PER_THREAD : POOL_PER_THREAD;
  const poolDevices = makeDevices(world, Math.max(pool, perThread * availableParallelism()));
  const devices = poolDevices.slice(0, pool);
  const returning = devices.slice(0, RETURNING);
  // Bounded below the pool so that device certificates cycle out; CA entries, used by every
  // operation, stay.
  const cache = new ValidationCache({ maxEntries: 256, deviceShapes: deviceTemplateShapes() });
  const keyline = (device: BenchDevice): boolean => {
    const options: VerifyDeviceOptions = {
      token: device.token,
      trustAnchors: world.root,
      time: VERIFY_NOW,
      audience: VERIFY_AUDIENCE,
      challenge: { nonce: device.nonce },
      cache,
    };
    return verifyDeviceSync(options).ok;
  };
  const peer = await peculiarVerifier(world);
  await sanityCheck(world, devices, keyline, peer);

  // The baseline: one ES256 verification over a message as long as a token's signing input.
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.from(devices[0]!.token.slice(0, devices[0]!.token.lastIndexOf('.')));
  const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const baselineKey = { key: publicKey, dsaEncoding: 'ieee-p1363' as const };

  const floor = cryptoFloor(world, devices);
  if (!floor(0)) throw new Error('the crypto floor case refuses a benchmark device');

  let i = 0;
  let j = 0;
  let k = 0;
  let f = 0;
  let refused = 0;
  const cases: BenchCase[] = [
    { name: 'crypto.verify', op: () => verify('sha256', message, baselineKey, signature) },
    { name: 'keyline (one thread)', op: () => keyline(devices[i++ % pool]!) || refused++ },
    { name: 'keyline (returning device)', op: () => keyline(returning[j++ % RETURNING]!) || refused++ },
    { name: 'crypto floor (new device)', op: () => floor(f++ % pool) || refused++ },
    { name: '@peculiar/x509', op: async () => (await peer(devices[k++ % pool]!)) || refused++, async: true },
  ];
  const settings = options.quick ? QUICK : FULL;
  const figures = await measure(cases, settings);
  if (refused > 0) throw new Error(`${refused} valid tokens were refused while measuring`);
  const [raw, ...results] = figures;
  const baselineOp = `crypto.verify ES256 (P-256, ${message.length}-byte message, imported key) / 2`;
  const report = makeReport(
    'verify',
    options.quick,
    { op: baselineOp, figures: halved(raw!) },
    results.map((r) => ({
      ...r,
      extra: {
        unit: 'device verifications',
        pool: r.name === 'keyline (returning device)' ? RETURNING : pool,
        ...(r.name.startsWith('keyline') ? { threads: 1 } : {}),
      },
    })),
  );
  const threaded = await measurePools(world, poolDevices, settings, options.quick, cases[0]!);
  const pooled = makeReport(
    'verify',
    options.quick,
    { op: baselineOp, figures: halved(threaded.baseline) },
    threaded.pools.map((p) => ({ ...p.figures, extra: p.extra })),
  ).results.map((r, index) => ({
    ...r,
    ratioPerThread: Number((r.ratio / threaded.pools[index]!.threads).toFixed(3)),
  }));
  return { ...report, results: [...pooled, ...report.results] };
}

/** The baseline counts two verifications as one device's worth. */
function halved(raw: CaseFigures): CaseFigures {
  return { ...raw, rates: raw.rates.map((r) => r / 2), perSecond: raw.perSecond / 2 };
}

interface PoolFigures {
  readonly figures: CaseFigures;
  readonly threads: number;
  readonly extra: Record<string, unknown>;
}

/**
 * The pool cases: `keyline`, the DeviceVerifierPool with one worker per CPU, and `keyline (pool,
 * one thread)`, the same code path with one worker; by the wall clock, in rounds interleaved with
 * the baseline (also by the wall clock, so that each pair sees the same machine). A steady load
 * keeps IN_FLIGHT verifications of the next devices outstanding; one operation runs PER_OPERATION
 * of them to their end, so that the work of every slice is counted in it (until 2026-12-06
 * afternoon an operation was the next 128 completions of a load drained after each slice outside
 * it: the ~128 verifications in flight at a slice's end had taken CPU in the slice and were
 * counted in none, about a fifth of the work). Between slices nothing is in flight, so an idle
 * pool's workers wait on a futex and take no CPU from the other cases.
 */
async function measurePools(
  world: VerifyWorld,
  devices: readonly BenchDevice[],
  settings: MeasureOptions,
  quick: boolean,
  baselineCase: BenchCase,
): Promise<{ baseline: CaseFigures; pools: PoolFigures[] }> {
  const sizes = [availableParallelism(), 1];
  const perOperation = quick ? PER_OPERATION.quick : PER_OPERATION.full;
  const verifiers = sizes.map(
    (threads) => new DeviceVerifierPool({ trustAnchors: world.root, threads, cacheEntries: 256 }),
  );
  try {
    const loads = verifiers.map((verifier) => {
      let next = 0;
      return new SteadyLoad(async () => {
        const device = devices[next++ % devices.length]!;
        const answer = await verifier.verify({
          token: device.token,
          time: VERIFY_NOW,
          audience: VERIFY_AUDIENCE,
          challenge: { nonce: device.nonce },
        });
        return answer.ok;
      }, IN_FLIGHT);
    });
    const [h, p] = devices[0]!.token.split('.');
    const forged = `${h}.${p}.${Buffer.alloc(64, 1).toString('base64url')}`;
    for (const [index, verifier] of verifiers.entries()) {
      const check = await verifier.verify({ token: forged, time: VERIFY_NOW, audience: VERIFY_AUDIENCE });
      if (check.ok || check.code !== 'ERR_ATTEST_SIGNATURE_INVALID') throw new Error('a pool accepts a forged token');
      const warmUntil = performance.now() + (quick ? POOL_WARMUP_MS.quick : POOL_WARMUP_MS.full);
      while (performance.now() < warmUntil) await loads[index]!.run(perOperation);
    }
    const names = ['keyline', 'keyline (pool, one thread)'];
    const [baseline, ...figures] = await measureWall(
      [
        baselineCase,
        ...loads.map((load, index) => ({
          name: names[index]!,
          op: () => load.run(perOperation),
          async: true,
        })),
      ],
      // Fewer rounds than the other cases: an operation of a pool case outlasts a slice.
      { ...settings, warmupMs: 0, rounds: quick ? POOL_ROUNDS.quick : POOL_ROUNDS.full },
    );
    const refused = loads.reduce((sum, load) => sum + load.refused, 0);
    if (refused > 0) throw new Error(`${refused} valid tokens were refused by a pool while measuring`);
    return {
      baseline: baseline!,
      pools: figures.map((f, index) => {
        const perDevice = perUnit(f, perOperation);
        return {
          figures: perDevice,
          threads: sizes[index]!,
          extra: {
            unit: 'device verifications',
            pool: devices.length,
            threads: sizes[index]!,
            clock: 'wall',
            concurrent: IN_FLIGHT,
            cpuPerSecond: Math.round(perDevice.cpu.perSecond),
          },
        };
      }),
    };
  } finally {
    await Promise.all(verifiers.map((v) => v.close()));
  }
}

type Verifier = (device: BenchDevice) => Promise<boolean>;

/**
 * The `crypto floor` case: per device, the three OpenSSL operations a new device needs whatever
 * the verifier (key import from JWK, token signature, certificate signature under the issuing CA's
 * key imported once). Inputs are cut out of each token before measuring.
 */
function cryptoFloor(world: VerifyWorld, devices: readonly BenchDevice[]): (index: number) => boolean {
  const issuingKey = createPublicKey({ key: Buffer.from(world.issuing.spki), format: 'der', type: 'spki' });
  const inputs = devices.map((device) => {
    const [h, p, s] = device.token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { x5c: string[] };
    const leaf = Certificate.fromDer(Buffer.from(header.x5c[0]!, 'base64'));
    const jwk = createPublicKey({ key: Buffer.from(leaf.spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return {
      jwk,
      signingInput: Buffer.from(`${h}.${p}`),
      signature: Buffer.from(s, 'base64url'),
      tbs: leaf.tbs,
      certificateSignature: leaf.signatureValue,
    };
  });
  return (index) => {
    const d = inputs[index]!;
    const key = createPublicKey({ key: d.jwk as JsonWebKey, format: 'jwk' });
    return (
      verify('sha256', d.signingInput, { key, dsaEncoding: 'ieee-p1363' }, d.signature) &&
      verify('sha256', d.tbs, issuingKey, d.certificateSignature)
    );
  };
}

/**
 * The same check on @peculiar/x509. The CA certificates are decoded once and their chain to the
 * root built and verified once (the peer's form of "intermediates cached"); per token, the chain
 * builder finds the device certificate's issuer among them and verifies its signature.
 */
async function peculiarVerifier(world: VerifyWorld): Promise<Verifier> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const subtle = webcrypto.subtle;
  const root = new x509.X509Certificate(world.root.der);
  const manufacturer = new x509.X509Certificate(world.manufacturer.der);
  const issuing = new x509.X509Certificate(world.issuing.der);
  const full = await new x509.X509ChainBuilder({ certificates: [manufacturer, root] }).build(issuing);
  if (full.length !== 3 || !(await full[2]!.equal(root))) throw new Error('the peer cannot build the CA chain');
  const validated = new Map<string, x509.X509Certificate>([
    [Buffer.from(world.issuing.der).toString('base64'), issuing],
  ]);
  const builder = new x509.X509ChainBuilder({ certificates: [issuing] });
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
  const at = VERIFY_NOW;
  const nowSeconds = Math.floor(at.getTime() / 1000);
  return async (device) => {
    const [h, p, s] = device.token.split('.') as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg: string; x5c: string[] };
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (header.alg !== 'ES256' || header.x5c.length !== 3) return false;
    if (!validated.has(header.x5c[1]!)) return false;
    const leaf = new x509.X509Certificate(Buffer.from(header.x5c[0]!, 'base64'));
    const chain = await builder.build(leaf);
    if (chain.length !== 2 || chain[1] !== issuing) return false;
    if (leaf.notBefore > at || leaf.notAfter < at) return false;
    if (claims.aud !== VERIFY_AUDIENCE || claims.nonce !== device.nonce) return false;
    if (Math.abs((claims.iat as number) - nowSeconds) > 300) return false;
    if (claims.iss !== leaf.subjectName.getField('CN')[0]) return false;
    const key = await leaf.publicKey.export({ name: 'ECDSA', namedCurve: 'P-256' }, ['verify']);
    return subtle.verify(ecdsa, key, Buffer.from(s, 'base64url'), Buffer.from(`${h}.${p}`));
  };
}

/** Before measuring: both verifiers accept every device and refuse a token signed by another key. */
async function sanityCheck(
  world: VerifyWorld,
  devices: readonly BenchDevice[],
  keyline: (d: BenchDevice) => boolean,
  peer: Verifier,
): Promise<void> {
  for (const device of devices.slice(0, 32)) {
    if (!keyline(device)) throw new Error('keyline refuses a benchmark device');
    if (!(await peer(device))) throw new Error('@peculiar/x509 refuses a benchmark device');
  }
  const [h, p] = devices[0]!.token.split('.');
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const forgedSignature = sign('sha256', Buffer.from(`${h}.${p}`), { key: stranger, dsaEncoding: 'ieee-p1363' });
  const forged = { ...devices[0]!, token: `${h}.${p}.${forgedSignature.toString('base64url')}` };
  if (keyline(forged)) throw new Error('keyline accepts a forged token');
  if (await peer(forged)) throw new Error('@peculiar/x509 accepts a forged token');
  void world;
}
