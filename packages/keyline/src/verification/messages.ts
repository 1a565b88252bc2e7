import type { ErrorCode } from '@keyline/core';

/**
 * What crosses the thread boundary between the verifier pool and its workers: plain data only
 * (structured clone). A batch carries every token that was waiting when it was sent, so that one
 * message pays for many verifications under load.
 */

/** One token to check in a worker: verifyDevice's steps 1 to 7 (checkDeviceTokenSync). */
export interface TokenCheck {
  readonly token: string;
  /** The verification time, milliseconds since the epoch. */
  readonly timeMs: number;
  readonly audience?: string;
  /** The nonce the caller expects (`challenge: { nonce }`); absent for a ChallengeStore or no challenge. */
  readonly nonce?: string;
  readonly maxSkewSeconds?: number;
}

/** A worker's answer for one token. */
export type TokenCheckAnswer =
  | {
      readonly ok: true;
      readonly deviceId: string;
      readonly manufacturerId: string;
      readonly productId: string;
      readonly serialNumber: string;
      /** The token's nonce claim, for the ChallengeStore on the pool's thread. */
      readonly nonce: string;
      /** Index of the trust anchor the chain ended at, among the pool's anchors. */
      readonly anchor: number;
    }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string }
  /** verifyDevice threw (misuse, or a bug): the message, rethrown on the pool's thread as a TypeError or Error. */
  | { readonly ok: 'threw'; readonly name: string; readonly message: string };

/** What each worker starts with (piscina's workerData). */
export interface VerifierWorkerData {
  /** The trust anchors, DER. */
  readonly trustAnchors: readonly Uint8Array[];
  /** Entries of each worker's ValidationCache (its default when absent). */
  readonly cacheEntries?: number;
}
