import type { ErrorCode } from '../../errors/registry.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import type { ValidationCache } from '../cache/validation-cache.js';
import type { CertificateInput } from '../types.js';
import type { ChallengeStore } from './challenge/challenge-store.js';
import type { RevocationSource } from './revocation/revocation-source.js';

/**
 * How the token's nonce is checked: against the nonce the caller expects, or against a store of
 * nonces this verifier issued (unexpired, and consumed on success so that a replay fails).
 */
export type DeviceChallenge = { readonly nonce: string } | { readonly store: ChallengeStore };

/** The input of `verifyDevice`: an attestation token, or a bare chain (mutual TLS). */
export interface VerifyDeviceOptions {
  /** A Keyline attestation token (compact JWS, ES256, chain in x5c). Exactly one of token and chain. */
  readonly token?: string;
  /**
   * A device chain without a token, leaf first (what a TLS client presented: the handshake proved
   * possession of the key). Used as a pool: order, a bundled root or spare certificates do not matter.
   */
  readonly chain?: CertificateInput | readonly CertificateInput[];
  /** The nonce check (token only). Without it the nonce is not checked. */
  readonly challenge?: DeviceChallenge;
  /** The expected `aud` (token only). Without it the audience is not checked. */
  readonly audience?: string;
  /** The ecosystem root(s). Decoded `Certificate`s are cheapest. */
  readonly trustAnchors: CertificateInput | readonly CertificateInput[];
  /** The verification time (core never reads a clock). */
  readonly time: Date;
  /** Where revocation status comes from; without it revocation is not checked. */
  readonly revocation?: RevocationSource;
  /**
   * Which certificates `revocation` is asked about: `'leaf'` (default), the device certificate;
   * `'chain'`, every certificate of the path but the trust anchor, leaf first.
   */
  readonly revocationScope?: 'leaf' | 'chain';
  /** Carries validated CA certificates and signatures across calls (see ValidationCache). */
  readonly cache?: ValidationCache;
  /** Largest difference allowed between the token's `iat` and `time`, in seconds; default 300. */
  readonly maxSkewSeconds?: number;
}

/** A verified device identity. */
export interface VerifiedDevice {
  readonly ok: true;
  /** The secure element's serial in lowercase hex (the leaf's commonName; the token's iss and sub). */
  readonly deviceId: string;
  readonly manufacturerId: string;
  readonly productId: string;
  /** The subject serialNumber: the serial on the device's label (the device id when it has none). */
  readonly serialNumber: string;
  /** The validated chain, leaf first, trust anchor last. */
  readonly chain: readonly Certificate[];
}

/** A refusal: a stable code (ERR_ATTEST_*, or ERR_PATH_* for the chain itself) and a message. */
export interface DeviceRefusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export type VerifyDeviceResult = VerifiedDevice | DeviceRefusal;
