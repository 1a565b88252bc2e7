import { randomFillSync } from 'node:crypto';

/** Where serial numbers and nonces come from: injected so tests can be deterministic. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}

/** The operating system's CSPRNG through node:crypto. */
export const systemRandom: RandomSource = {
  bytes(length: number): Uint8Array {
    return randomFillSync(new Uint8Array(length));
  },
};

/** A deterministic source for tests only (xorshift; not cryptographic). */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0 || 0x9e3779b9;
  return {
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = state & 0xff;
      }
      return out;
    },
  };
}
