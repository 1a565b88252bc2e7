import type { RandomSource } from '../../../ports/random.js';
import type { ChallengeStore, ConsumeResult, IssuedChallenge } from './challenge-store.js';

/** Default lifetime of a challenge: 5 minutes. */
export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60 * 1000;

/** Default bound on the challenges a MemoryChallengeStore remembers. */
export const DEFAULT_CHALLENGE_ENTRIES = 100_000;

/** Octets of randomness in a nonce. */
export const NONCE_OCTETS = 32;

export interface MemoryChallengeStoreOptions {
  /** Where nonces come from (`systemRandom` in production). */
  readonly random: RandomSource;
  /** Lifetime of a challenge in milliseconds; default 5 minutes. */
  readonly ttlMs?: number;
  /** Most challenges remembered, issued or used; default 100,000. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly expiresAtMs: number;
  used: boolean;
}

/**
 * A ChallengeStore in process memory, for one verifier process.
 *
 * Bounded: it remembers at most `maxEntries` challenges. A used or expired challenge is kept for
 * one more lifetime after it expires, so that a late replay is answered `'replayed'` or
 * `'expired'` rather than `'unknown'`; then it is forgotten. When the store is full of live
 * challenges, issuing a new one forgets the oldest (which then answers `'unknown'`): under a flood
 * of challenge requests, old unanswered challenges fail rather than the memory growing.
 */
export class MemoryChallengeStore implements ChallengeStore {
  readonly ttlMs: number;
  readonly maxEntries: number;
  private readonly random: RandomSource;
  // Insertion order is issue order, and every entry has the same lifetime, so the first entries
  // are always the first to expire.
  private readonly entries = new Map<string, Entry>();

  constructor(options: MemoryChallengeStoreOptions) {
    if (typeof options?.random?.bytes !== 'function') throw new TypeError('random must be a RandomSource');
    const ttlMs = options.ttlMs ?? DEFAULT_CHALLENGE_TTL_MS;
    if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new TypeError('ttlMs must be a positive integer');
    const maxEntries = options.maxEntries ?? DEFAULT_CHALLENGE_ENTRIES;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new TypeError('maxEntries must be a positive integer');
    this.random = options.random;
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

  /** Challenges currently remembered. */
  get size(): number {
    return this.entries.size;
  }

  issue(now: Date): IssuedChallenge {
    const at = instant(now);
    this.forgetBefore(at);
    const bytes = this.random.bytes(NONCE_OCTETS);
    if (!(bytes instanceof Uint8Array) || bytes.length !== NONCE_OCTETS) {
      throw new TypeError(`the random source must give ${NONCE_OCTETS} octets`);
    }
    const nonce = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
    const expiresAtMs = at + this.ttlMs;
    this.entries.delete(nonce);
    this.entries.set(nonce, { expiresAtMs, used: false });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return { nonce, expiresAt: new Date(expiresAtMs) };
  }

  consume(nonce: string, now: Date): ConsumeResult {
    const at = instant(now);
    const entry = typeof nonce === 'string' ? this.entries.get(nonce) : undefined;
    if (entry === undefined) return 'unknown';
    if (entry.used) return 'replayed';
    if (at >= entry.expiresAtMs) return 'expired';
    entry.used = true;
    return 'ok';
  }

  /** Forgets challenges that expired more than one lifetime before `at`. */
  private forgetBefore(at: number): void {
    for (const [nonce, entry] of this.entries) {
      if (entry.expiresAtMs + this.ttlMs > at) break;
      this.entries.delete(nonce);
    }
  }
}

function instant(now: Date): number {
  const at = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isNaN(at)) throw new TypeError('now must be a valid Date');
  return at;
}
