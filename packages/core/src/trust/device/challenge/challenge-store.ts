/** What `ChallengeStore.consume` answers for a nonce. */
export type ConsumeResult = 'ok' | 'unknown' | 'expired' | 'replayed';

/** A challenge handed to a device: the nonce to put in its attestation token, and until when it is good. */
export interface IssuedChallenge {
  /** 32 random octets, unpadded base64url (43 characters). */
  readonly nonce: string;
  readonly expiresAt: Date;
}

/**
 * The verifier's own nonces (the challenges contract of issue 5): `issue` draws a fresh nonce,
 * `consume` answers whether a nonce was issued here, is still within its lifetime and was not used
 * before, and marks it used when it answers `'ok'` (so each nonce is accepted once). Time is a
 * parameter: the store never reads a clock. Implementations may be synchronous or asynchronous
 * (a shared database); `verifyDevice` awaits either.
 */
export interface ChallengeStore {
  issue(now: Date): IssuedChallenge | Promise<IssuedChallenge>;
  consume(nonce: string, now: Date): ConsumeResult | Promise<ConsumeResult>;
}
