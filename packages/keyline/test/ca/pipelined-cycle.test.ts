import { createPublicKey, verify } from 'node:crypto';
import { Certificate, CertificateRevocationList, generateSigner, isKeylineError, type Signer } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, type CertificateAuthority } from '../../src/ca/index.js';
import { pieceSizes } from '../../src/ca/pipelined-cycle.js';
import { CLI_ACTOR, SYSTEM_ACTOR, type CaCurve, type KeyProvider } from '../../src/ca/service-port.js';
import type { Store } from '../../src/ca/store-port.js';
import { createSigningPool, type SigningPool } from '../../src/keys/pool/signing-pool.js';
import { faultyStore } from './support/faulty-store.js';
import { manualClock } from './support/clock.js';
import { makeHierarchy, type Hierarchy } from './support/hierarchy.js';
import { sqliteStore } from './support/store.js';
import { seededRandom } from '@keyline/core';

/**
 * The pipelined batch path (ca/pipelined-cycle.ts): a signer with a pool of worker threads signs
 * a batch in pieces while the cycle records the pieces already signed. The guarantees of
 * issuance-cycle.ts hold: the pool signs exactly the persisted TBSs, each once, only after their
 * commit; the batch is recorded all or nothing; a failure fails every record of the batch; a
 * crash leaves `signing` records that recovery fails.
 */

/** What the tests' pool saw and can be told to do. */
interface PoolProbe {
  /** Each request's messages, copied, in order. */
  readonly requests: Uint8Array[][];
  /** Certificates the store held as `signing` when each request arrived. */
  readonly signingAtRequest: number[];
  /** Reject request number `failAt` (0 the first) with `failure`. */
  failAt?: number;
  failure?: Error;
}

/** In-memory software keys whose signers offer a real signing pool, watched by `probe`. */
function pooledKeys(probe: PoolProbe, store: () => Store): KeyProvider & { close(): Promise<void> } {
  const keys = new Map<string, Signer>();
  const pools: SigningPool[] = [];
  const pooled = (curve: CaCurve): Signer => {
    const inner = generateSigner(curve);
    const hash = curve === 'P-256' ? 'sha256' : 'sha384';
    let pool: SigningPool | undefined;
    return {
      algorithm: inner.algorithm,
      publicKeySpki: inner.publicKeySpki,
      sign: (data) => inner.signSync(data),
      signSync: (data) => inner.signSync(data),
      signingPool: (threads: number) => {
        pool ??= createSigningPool(inner.privateKey, hash, threads);
        pools.push(pool);
        const real = pool;
        return {
          threads,
          async signMany(messages: readonly Uint8Array[]) {
            const index = probe.requests.push(messages.map((m) => Uint8Array.from(m))) - 1;
            probe.signingAtRequest.push(await store().certificates.count({ status: 'signing' }));
            if (probe.failAt === index) throw probe.failure!;
            return real.signMany(messages);
          },
        };
      },
    } as Signer;
  };
  return {
    async generate(request) {
      const keyUri = request.keyUri ?? `memory:${request.label}`;
      const signer = pooled(request.curve);
      keys.set(keyUri, signer);
      return { keyUri, signer };
    },
    async open(keyUri) {
      const signer = keys.get(keyUri);
      if (signer === undefined) throw new Error(`no key ${keyUri}`);
      return signer;
    },
    async close() {
      await Promise.all(pools.map((p) => p.close()));
    },
  };
}

describe('device batches signed on a pool (pipelined-cycle.ts)', () => {
  let cleanUp: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanUp?.();
    cleanUp = undefined;
  });

  const chip = (i: number) => Uint8Array.from([0x0a, 0x23, 0, 0, (i >> 8) & 0xff, i & 0xff, 0x00, 0xee]);
  const devices = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({
      chipSerial: chip(from + i),
      publicKey: generateSigner('P-256').publicKeySpki,
    }));

  async function setUp(wrap: (store: Store) => Store = (s) => s): Promise<{
    ca: CertificateAuthority;
    store: Store;
    probe: PoolProbe;
    h: Hierarchy;
    again: (wrapped: Store) => CertificateAuthority;
  }> {
    const { store, dispose } = await sqliteStore();
    const probe: PoolProbe = { requests: [], signingAtRequest: [] };
    const keys = pooledKeys(probe, () => store);
    const clock = manualClock();
    const random = seededRandom(0x9001);
    const cas: CertificateAuthority[] = [];
    const again = (wrapped: Store) => {
      const ca = createCertificateAuthority({ store: wrapped, keys, clock, random });
      cas.push(ca);
      return ca;
    };
    const ca = again(wrap(store));
    const h = await makeHierarchy(ca);
    cleanUp = async () => {
      for (const c of cas) c.close();
      await keys.close();
      await dispose();
    };
    return { ca, store, probe, h, again };
  }

  it('signs a batch in up to four pieces of at least eight, the first small', () => {
    expect(pieceSizes(2)).toEqual([2]);
    expect(pieceSizes(17)).toEqual([8, 9]);
    expect(pieceSizes(50)).toEqual([8, 14, 14, 14]);
    expect(pieceSizes(100)).toEqual([13, 29, 29, 29]);
    for (const n of [1, 15, 16, 33, 999, 1000, 10_000]) {
      const sizes = pieceSizes(n);
      expect(sizes.reduce((a, b) => a + b)).toBe(n);
      expect(sizes.length).toBeLessThanOrEqual(4);
      if (sizes.length > 1) expect(Math.min(...sizes)).toBeGreaterThanOrEqual(8);
    }
  });

  it('signs exactly the persisted TBSs, each once and after its commit, and records every certificate valid', async () => {
    const { ca, store, probe, h } = await setUp();
    const auditBefore = await store.audit.count();
    const results = await ca.issueDevices({ caId: h.issuing.id, devices: devices(50) }, CLI_ACTOR, {
      lint: 'each',
      signingThreads: 2,
    });
    // Four pieces, sent once the whole batch was persisted (`signing`).
    expect(probe.requests.map((r) => r.length)).toEqual([8, 14, 14, 14]);
    expect(probe.signingAtRequest).toEqual([50, 50, 50, 50]);
    // As on one thread: one prepare entry and one issue entry.
    expect(await store.audit.count()).toBe(auditBefore + 2);
    const signed = probe.requests.flat();
    expect(signed).toHaveLength(50);
    const issuer = Certificate.fromDer(h.issuing.certificateDer!);
    const issuerKey = createPublicKey({ key: Buffer.from(issuer.spki), format: 'der', type: 'spki' });
    results.forEach((r, k) => {
      expect(r.record.status).toBe('valid');
      const cert = Certificate.fromDer(r.record.der!);
      // The k-th message the pool signed is this certificate's TBS, byte for byte.
      expect(Buffer.compare(signed[k]!, cert.tbs)).toBe(0);
      expect(verify('sha256', cert.tbs, issuerKey, cert.signatureValue)).toBe(true);
    });
    expect(new Set(signed.map((m) => Buffer.from(m).toString('hex'))).size).toBe(50);
    for (const r of results) expect(await store.certificates.get(r.record.id)).toEqual(r.record);
    expect(await store.certificates.listUnfinished(h.issuing.id)).toEqual([]);
  });

  it('a refused device writes nothing and signs nothing', async () => {
    const { ca, store, probe, h } = await setUp();
    const count = await store.certificates.count();
    const batch = devices(40, 100);
    batch[35] = { ...batch[35]!, chipSerial: Uint8Array.of(1, 2) };
    await expect(
      ca.issueDevices({ caId: h.issuing.id, devices: batch }, CLI_ACTOR, { signingThreads: 1 }),
    ).rejects.toMatchObject({ code: 'ERR_CA_PROFILE_VIOLATION' });
    expect(await store.certificates.count()).toBe(count);
    expect(probe.requests).toEqual([]);
  });

  for (const failAt of [0, 2]) {
    it(`a pool failure (piece ${failAt + 1}) fails every record of the batch and lists them as revoked`, async () => {
      const { ca, store, probe, h } = await setUp();
      probe.failAt = failAt;
      probe.failure = new Error('the worker died');
      await expect(
        ca.issueDevices({ caId: h.issuing.id, devices: devices(40, 200 + failAt) }, CLI_ACTOR, {
          signingThreads: 1,
        }),
      ).rejects.toThrow('the worker died');
      const failed = (await store.certificates.search({ caId: h.issuing.id, status: 'failed' })).items;
      expect(failed).toHaveLength(40);
      // Pieces recorded before the failure were rolled back with the rest.
      expect(await store.certificates.count({ caId: h.issuing.id, status: 'valid' })).toBe(0);
      expect(await store.certificates.listUnfinished(h.issuing.id)).toEqual([]);
      const crl = CertificateRevocationList.fromDer((await ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
      expect(crl.revoked.map((e) => e.serialHex).sort()).toEqual(failed.map((r) => r.serialHex).sort());
    });
  }

  it('a crash while the pool signs leaves signing records that recovery fails and revokes', async () => {
    const { store, probe, h, again } = await setUp();
    // The pool fails and so does the cycle's clean-up (the process dies there).
    const ca = again(faultyStore(store, ['certificates.markFailed']));
    probe.failAt = 1;
    probe.failure = new Error('the worker died');
    await expect(
      ca.issueDevices({ caId: h.issuing.id, devices: devices(40, 300) }, CLI_ACTOR, { signingThreads: 1 }),
    ).rejects.toThrow('the worker died');
    const left = await store.certificates.listUnfinished(h.issuing.id);
    expect(left).toHaveLength(40);
    expect(left.every((r) => r.status === 'signing' && r.tbsDer !== null && r.der === null)).toBe(true);
    const after = again(store);
    expect(await after.recover(SYSTEM_ACTOR)).toEqual({ completed: 0, failed: 40, revoked: 40 });
  });

  it('refuses a signingThreads that is not a whole number from 0 to 64', async () => {
    const { ca, h } = await setUp();
    for (const signingThreads of [-1, 1.5, 65]) {
      const error = await ca
        .issueDevices({ caId: h.issuing.id, devices: devices(2, 400) }, CLI_ACTOR, { signingThreads })
        .catch((e: unknown) => e);
      expect(isKeylineError(error, 'ERR_CA_BAD_INPUT')).toBe(true);
    }
  });
});
