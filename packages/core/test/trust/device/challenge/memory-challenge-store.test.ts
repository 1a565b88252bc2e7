import { describe, expect, it } from 'vitest';
import { seededRandom, systemRandom } from '../../../../src/ports/random.js';
import {
  DEFAULT_CHALLENGE_TTL_MS,
  MemoryChallengeStore,
} from '../../../../src/trust/device/challenge/memory-challenge-store.js';

const T0 = new Date('2026-11-25T12:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe('MemoryChallengeStore', () => {
  it('issues 32 random octets as unpadded base64url, valid for 5 minutes by default', () => {
    const store = new MemoryChallengeStore({ random: systemRandom });
    const { nonce, expiresAt } = store.issue(T0);
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(32);
    expect(expiresAt.getTime() - T0.getTime()).toBe(DEFAULT_CHALLENGE_TTL_MS);
    expect(DEFAULT_CHALLENGE_TTL_MS).toBe(300_000);
    expect(store.issue(T0).nonce).not.toBe(nonce);
  });

  it('draws nonces from the injected random source', () => {
    const a = new MemoryChallengeStore({ random: seededRandom(9) }).issue(T0).nonce;
    const b = new MemoryChallengeStore({ random: seededRandom(9) }).issue(T0).nonce;
    expect(a).toBe(b);
  });

  it('accepts a nonce once, then answers replayed', () => {
    const store = new MemoryChallengeStore({ random: systemRandom });
    const { nonce } = store.issue(T0);
    expect(store.consume(nonce, at(1000))).toBe('ok');
    expect(store.consume(nonce, at(2000))).toBe('replayed');
  });

  it('answers unknown for a nonce it did not issue', () => {
    const store = new MemoryChallengeStore({ random: systemRandom });
    store.issue(T0);
    expect(store.consume('not-a-nonce', T0)).toBe('unknown');
    expect(store.consume(Buffer.alloc(32).toString('base64url'), T0)).toBe('unknown');
  });

  it('answers expired from the expiry instant on', () => {
    const store = new MemoryChallengeStore({ random: systemRandom, ttlMs: 10_000 });
    const { nonce } = store.issue(T0);
    expect(store.consume(nonce, at(10_000))).toBe('expired');
    const other = store.issue(T0).nonce;
    expect(store.consume(other, at(9_999))).toBe('ok');
  });

  it('forgets challenges one lifetime after they expire', () => {
    const store = new MemoryChallengeStore({ random: systemRandom, ttlMs: 10_000 });
    const used = store.issue(T0).nonce;
    expect(store.consume(used, at(1)).valueOf()).toBe('ok');
    store.issue(at(15_000));
    expect(store.consume(used, at(15_000))).toBe('replayed');
    store.issue(at(20_001));
    expect(store.size).toBe(2);
    expect(store.consume(used, at(20_001))).toBe('unknown');
  });

  it('is bounded: the oldest challenge goes first', () => {
    const store = new MemoryChallengeStore({ random: systemRandom, maxEntries: 3 });
    const nonces = [0, 1, 2, 3].map((i) => store.issue(at(i)).nonce);
    expect(store.size).toBe(3);
    expect(store.consume(nonces[0]!, at(10))).toBe('unknown');
    expect(store.consume(nonces[3]!, at(10))).toBe('ok');
  });

  it('refuses misuse', () => {
    expect(() => new MemoryChallengeStore({ random: undefined as never })).toThrow(TypeError);
    expect(() => new MemoryChallengeStore({ random: systemRandom, ttlMs: 0 })).toThrow(TypeError);
    expect(() => new MemoryChallengeStore({ random: systemRandom, maxEntries: 0 })).toThrow(TypeError);
    const store = new MemoryChallengeStore({ random: systemRandom });
    expect(() => store.issue(new Date(Number.NaN))).toThrow(TypeError);
  });
});
