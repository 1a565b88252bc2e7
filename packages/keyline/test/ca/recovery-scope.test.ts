import { CertificateRevocationList, KeylineError, isKeylineError } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import type { CertificateRecord } from '../../src/ca/records.js';
import { CLI_ACTOR, SYSTEM_ACTOR } from '../../src/ca/service-port.js';
import type { Store } from '../../src/ca/store-port.js';
import { makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';

const MINUTE = 60_000;

/** A property of a proxied store, methods bound to their object (the store keeps its state in private fields). */
function bound(object: object, prop: string | symbol): unknown {
  const value = Reflect.get(object, prop) as unknown;
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
}

/**
 * The scope of a recovery run across processes: by age (`unfinishedBefore`, what `keyline serve`
 * and `keyline recover` use) and without a CA. Records are made through the store, as a cycle that
 * crashed after reserving (and persisting the TBS) leaves them.
 */
describe('recovery scope', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  let n = 0;
  afterEach(async () => t?.dispose());

  async function setUp(): Promise<void> {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
  }

  /** A record left `signing` (or `reserved`) at the clock's current time. */
  async function leftUnfinished(
    caId: string,
    options: { status?: 'reserved' | 'signing'; requestId?: string } = {},
  ): Promise<CertificateRecord> {
    n++;
    const at = t.clock.now();
    const reserved = await t.store.certificates.reserve({
      id: `crt_scope_${n}`,
      caId,
      serialHex: `5c0e${n.toString(16).padStart(28, '0')}`,
      profile: 'device',
      subject: `CN=scope-${n}`,
      requestId: options.requestId ?? null,
      at,
    });
    if (options.status === 'reserved') return reserved;
    return t.store.certificates.markSigning(reserved.id, Buffer.from('tbs'), at, new Date(at.getTime() + MINUTE), at);
  }

  async function statusOf(record: CertificateRecord) {
    return (await t.store.certificates.get(record.id))?.status;
  }

  it('with unfinishedBefore, fails the old record and leaves the one updated since alone', async () => {
    await setUp();
    const old = await leftUnfinished(h.issuing.id);
    t.clock.advance(9 * MINUTE);
    const recent = await leftUnfinished(h.issuing.id);
    t.clock.advance(MINUTE);
    const unfinishedBefore = new Date(t.clock.now().getTime() - 5 * MINUTE);

    expect(await t.ca.recover(SYSTEM_ACTOR, { unfinishedBefore })).toEqual({ completed: 0, failed: 1, revoked: 1 });
    expect(await statusOf(old)).toBe('failed');
    expect(await statusOf(recent)).toBe('signing');
    const crl = CertificateRevocationList.fromDer((await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
    expect(crl.revoked.map((e) => e.serialHex)).toEqual([old.serialHex]);

    // Once it is old enough in its turn, the next run takes it.
    t.clock.advance(10 * MINUTE);
    const later = new Date(t.clock.now().getTime() - 5 * MINUTE);
    expect(await t.ca.recover(SYSTEM_ACTOR, { unfinishedBefore: later })).toEqual({
      completed: 0,
      failed: 1,
      revoked: 1,
    });
    expect(await statusOf(recent)).toBe('failed');
  });

  it('unfinishedBefore is strict: a record updated at that very time is left alone', async () => {
    await setUp();
    const record = await leftUnfinished(h.issuing.id, { status: 'reserved' });
    expect(await t.ca.recover(CLI_ACTOR, { unfinishedBefore: record.updatedAt })).toEqual({
      completed: 0,
      failed: 0,
      revoked: 0,
    });
    expect(await statusOf(record)).toBe('reserved');
    expect(await t.ca.recover(CLI_ACTOR, { unfinishedBefore: new Date(record.updatedAt.getTime() + 1) })).toEqual({
      completed: 0,
      failed: 1,
      revoked: 0,
    });
  });

  it('a scope without caId takes the records of every CA; with caId, only that one', async () => {
    await setUp();
    const atIssuing = await leftUnfinished(h.issuing.id);
    const atManufacturer = await leftUnfinished(h.manufacturer.id, { status: 'reserved' });
    const atRoot = await leftUnfinished(h.root.id);
    t.clock.advance(MINUTE);

    expect(await t.ca.recover(CLI_ACTOR, { caId: h.root.id })).toEqual({ completed: 0, failed: 1, revoked: 1 });
    expect(await statusOf(atRoot)).toBe('failed');
    expect(await statusOf(atIssuing)).toBe('signing');

    const unfinishedBefore = t.clock.now();
    expect(await t.ca.recover(CLI_ACTOR, { unfinishedBefore })).toEqual({ completed: 0, failed: 2, revoked: 1 });
    expect(await statusOf(atIssuing)).toBe('failed');
    expect(await statusOf(atManufacturer)).toBe('failed');
    expect(await t.store.certificates.listUnfinished()).toEqual([]);
  });

  it('requestIds and unfinishedBefore together: only records both name', async () => {
    await setUp();
    const mineOld = await leftUnfinished(h.issuing.id, { requestId: 'r-mine-old' });
    const otherOld = await leftUnfinished(h.issuing.id, { requestId: 'r-other' });
    t.clock.advance(10 * MINUTE);
    const mineNew = await leftUnfinished(h.issuing.id, { requestId: 'r-mine-new' });
    const scope = {
      caId: h.issuing.id,
      requestIds: new Set(['r-mine-old', 'r-mine-new']),
      unfinishedBefore: new Date(t.clock.now().getTime() - 5 * MINUTE),
    };
    expect(await t.ca.recover(CLI_ACTOR, scope)).toEqual({ completed: 0, failed: 1, revoked: 1 });
    expect(await statusOf(mineOld)).toBe('failed');
    expect(await statusOf(otherOld)).toBe('signing');
    expect(await statusOf(mineNew)).toBe('signing');
  });

  /** An authority whose listing of unfinished records runs `meanwhile` before it answers (another process at work). */
  function racedAuthority(meanwhile: (listed: CertificateRecord[]) => Promise<void>) {
    const store = new Proxy(t.store, {
      get(target, prop) {
        if (prop !== 'certificates') return bound(target, prop);
        const certificates = target.certificates;
        return new Proxy(certificates, {
          get(repo, p) {
            if (p !== 'listUnfinished') return bound(repo, p);
            return async (caId?: string) => {
              const listed = await repo.listUnfinished(caId);
              await meanwhile(listed);
              return listed;
            };
          },
        });
      },
    }) as Store;
    return createCertificateAuthority({ store, keys: t.keys, clock: t.clock, random: t.random });
  }

  it('a record another process failed between the listing and its turn is skipped, not an error', async () => {
    await setUp();
    const taken = await leftUnfinished(h.issuing.id);
    const left = await leftUnfinished(h.issuing.id, { status: 'reserved' });
    const auditBefore = await t.store.audit.count();
    const ca = racedAuthority(async () => {
      await t.store.certificates.markFailed(taken.id, t.clock.now());
    });
    expect(await ca.recover(SYSTEM_ACTOR)).toEqual({ completed: 0, failed: 1, revoked: 0 });
    expect(await statusOf(left)).toBe('failed');
    // One cert.recover entry: the skipped record's outcome was the other process's to record.
    expect(await t.store.audit.count()).toBe(auditBefore + 1);
    ca.close();
  });

  it('a conflict on a record still unfinished is not hidden', async () => {
    await setUp();
    await leftUnfinished(h.issuing.id);
    const store = new Proxy(t.store, {
      get(target, prop) {
        if (prop !== 'transaction') return bound(target, prop);
        return () => Promise.reject(new KeylineError('ERR_STORE_CONFLICT', 'simulated conflict'));
      },
    }) as Store;
    const ca = createCertificateAuthority({ store, keys: t.keys, clock: t.clock, random: t.random });
    const error = await ca.recover(SYSTEM_ACTOR).catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_STORE_CONFLICT')).toBe(true);
    ca.close();
  });
});
