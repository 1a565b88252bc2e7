import { generateSigner, type Signer } from '@keyline/core';
import type { CaCurve, KeyProvider } from '../../../src/ca/service-port.js';

/** A KeyProvider over in-memory software keys that counts every signature (tests only). */
export interface CountingKeys extends KeyProvider {
  /** Signatures made with any key so far. */
  readonly signCount: () => number;
  /** Makes the next `n` signatures (of any key) throw, as a failing HSM would. */
  failNextSigns(n: number): void;
  readonly uris: () => string[];
}

export function memoryKeys(): CountingKeys {
  const keys = new Map<string, Signer>();
  let count = 0;
  let failing = 0;
  const counted = (inner: Signer): Signer => ({
    algorithm: inner.algorithm,
    publicKeySpki: inner.publicKeySpki,
    sign(data: Uint8Array) {
      count++;
      if (failing > 0) {
        failing--;
        throw new Error('simulated signer failure');
      }
      return inner.signSync!(data);
    },
  });
  return {
    async generate(request: { readonly keyUri?: string; readonly curve: CaCurve; readonly label: string }) {
      const keyUri = request.keyUri ?? `memory:${request.label}`;
      if (keys.has(keyUri)) throw new Error(`key ${keyUri} exists`);
      const signer = counted(generateSigner(request.curve));
      keys.set(keyUri, signer);
      return { keyUri, signer };
    },
    async open(keyUri: string) {
      const signer = keys.get(keyUri);
      if (signer === undefined) throw new Error(`no key ${keyUri}`);
      return signer;
    },
    async destroy(keyUri: string) {
      keys.delete(keyUri);
    },
    signCount: () => count,
    failNextSigns(n: number) {
      failing = n;
    },
    uris: () => [...keys.keys()],
  };
}
