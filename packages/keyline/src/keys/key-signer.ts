import type { Signer } from '@keyline/core';
import type { SigningPool } from './pool/signing-pool.js';

/** Which backend holds a key. */
export type KeyBackend = 'file' | 'pkcs11';

/**
 * A `Signer` over a stored CA key, as the key provider hands it out. The private key never leaves
 * it: a file key's KeyObject stays in a closure, a token key on the token.
 */
export interface KeySigner extends Signer {
  /** The canonical URI of the key (a PKCS#11 URI without its pin-value): what the CA records. */
  readonly keyUri: string;
  readonly backend: KeyBackend;
  /** The curve of the key. */
  readonly curve: 'P-256' | 'P-384';
  /**
   * Software keys only: the pool of `threads` worker threads signing with this key (made on first
   * use, the same pool for the same count; closed with the provider). Token keys sign on the token.
   */
  signingPool?(threads: number): SigningPool;
}
