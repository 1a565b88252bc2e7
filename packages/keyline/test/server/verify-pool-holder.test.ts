import type { VerifyDeviceResult } from '@keyline/core';
import { describe, expect, it } from 'vitest';
import type { PooledVerifyOptions } from '../../src/verification/index.js';
import { VerifierPoolHolder, type HeldVerifier } from '../../src/server/verify-pool-holder.js';

/**
 * The holder of the server's verifier pools, with stand-in pools: one pool per set of roots, the
 * old one stopped only when nothing is in flight on it, all stopped when the server closes.
 */

interface FakePool extends HeldVerifier {
  readonly anchors: string;
  closed: boolean;
  /** Verifications waiting for `answer()`. */
  readonly waiting: Array<() => void>;
}

function harness() {
  const made: FakePool[] = [];
  const holder = new VerifierPoolHolder({
    threads: 2,
    create: (anchors, threads) => {
      expect(threads).toBe(2);
      const pool: FakePool = {
        anchors: anchors.map((a) => Buffer.from(a).toString('hex')).join(','),
        closed: false,
        waiting: [],
        verify: () => {
          if (pool.closed) return Promise.reject(new Error('verify on a closed pool'));
          return new Promise<VerifyDeviceResult>((resolve) =>
            pool.waiting.push(() => resolve({ ok: false, code: 'ERR_ATTEST_MALFORMED', message: pool.anchors })),
          );
        },
        close: async () => {
          if (pool.waiting.length > 0) throw new Error('closed with work in flight');
          pool.closed = true;
        },
      };
      made.push(pool);
      return pool;
    },
  });
  return { holder, made };
}

const A = Uint8Array.of(0xa);
const B = Uint8Array.of(0xb);
const options = (): PooledVerifyOptions => ({ token: 't', time: new Date(0) });
const roots =
  (...anchors: Uint8Array[]) =>
  async () =>
    anchors;

/** Lets the holder's awaits (the root read) and the stand-ins' promises run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('VerifierPoolHolder', () => {
  it('keeps one pool while the roots stay the same', async () => {
    const { holder, made } = harness();
    const first = holder.verify(roots(A), options);
    const second = holder.verify(roots(A), options);
    await settle();
    expect(made).toHaveLength(1);
    made[0]!.waiting.splice(0).forEach((answer) => answer());
    expect(await first).toMatchObject({ message: '0a' });
    expect(await second).toMatchObject({ message: '0a' });
    const third = holder.verify(roots(A), options);
    await settle();
    made[0]!.waiting.shift()!();
    expect(await third).toMatchObject({ message: '0a' });
    expect(made).toHaveLength(1);
    expect(made[0]!.closed).toBe(false);
    await holder.close();
    expect(made[0]!.closed).toBe(true);
  });

  it('starts a pool for a new set of roots and stops the old one only once its work is done', async () => {
    const { holder, made } = harness();
    const onOld = holder.verify(roots(A), options);
    await settle();
    const onNew = holder.verify(roots(A, B), options);
    await settle();
    expect(made.map((p) => p.anchors)).toEqual(['0a', '0a,0b']);
    expect(holder.size).toBe(2);
    // The old pool still holds a verification: it keeps running.
    expect(made[0]!.closed).toBe(false);
    made[0]!.waiting.shift()!();
    expect(await onOld).toMatchObject({ message: '0a' });
    await settle();
    expect(made[0]!.closed).toBe(true);
    expect(holder.size).toBe(1);
    made[1]!.waiting.shift()!();
    expect(await onNew).toMatchObject({ message: '0a,0b' });
    expect(made[1]!.closed).toBe(false);
    await holder.close();
    expect(made[1]!.closed).toBe(true);
  });

  it('verifies a request that read the roots before a change against what it read, keeping the newer pool current', async () => {
    const { holder, made } = harness();
    let release!: () => void;
    const slowRead = new Promise<void>((resolve) => (release = resolve));
    const stale = holder.verify(async () => (await slowRead, [A]), options);
    const fresh = holder.verify(roots(B), options);
    await settle();
    release();
    await settle();
    expect(made.map((p) => p.anchors)).toEqual(['0b', '0a']);
    made[1]!.waiting.shift()!();
    expect(await stale).toMatchObject({ message: '0a' });
    await settle();
    // The stale read's pool goes when it is done; the newer set's stays.
    expect(made[1]!.closed).toBe(true);
    expect(made[0]!.closed).toBe(false);
    made[0]!.waiting.shift()!();
    expect(await fresh).toMatchObject({ message: '0b' });
    const again = holder.verify(roots(B), options);
    await settle();
    made[0]!.waiting.shift()!();
    expect(await again).toMatchObject({ message: '0b' });
    expect(made).toHaveLength(2);
    await holder.close();
  });

  it('on close, waits for the verifications in flight, then refuses new ones', async () => {
    const { holder, made } = harness();
    const inFlight = holder.verify(roots(A), options);
    await settle();
    let closed = false;
    const closing = holder.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    expect(made[0]!.closed).toBe(false);
    made[0]!.waiting.shift()!();
    expect(await inFlight).toMatchObject({ ok: false, message: '0a' });
    await closing;
    expect(made[0]!.closed).toBe(true);
    await expect(holder.verify(roots(A), options)).rejects.toMatchObject({ code: 'ERR_ATTEST_VERIFIER_FAILED' });
    expect(made).toHaveLength(1);
  });

  it('refuses a thread count below 1', () => {
    expect(() => new VerifierPoolHolder({ threads: 0 })).toThrow(TypeError);
    expect(() => new VerifierPoolHolder({ threads: 1.5 })).toThrow(TypeError);
  });
});
