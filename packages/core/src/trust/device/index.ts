/** Device identity verification (issue 5 section 2): attestation tokens, challenges, revocation. */
export {
  verifyDevice,
  verifyDeviceSync,
  checkDeviceTokenSync,
  finishDeviceCheck,
  DEFAULT_MAX_SKEW_SECONDS,
  type CheckedDeviceToken,
} from './verify-device.js';
export type {
  DeviceChallenge,
  DeviceRefusal,
  VerifiedDevice,
  VerifyDeviceOptions,
  VerifyDeviceResult,
} from './types.js';
export type { ChallengeStore, ConsumeResult, IssuedChallenge } from './challenge/challenge-store.js';
export {
  MemoryChallengeStore,
  DEFAULT_CHALLENGE_TTL_MS,
  DEFAULT_CHALLENGE_ENTRIES,
  NONCE_OCTETS,
  type MemoryChallengeStoreOptions,
} from './challenge/memory-challenge-store.js';
export type { RevocationAnswer, RevocationSource } from './revocation/revocation-source.js';
export {
  crlRevocationSource,
  DEFAULT_CRL_CLOCK_SKEW_SECONDS,
  type CrlRevocationSourceOptions,
} from './revocation/crl-source.js';
export { ocspRevocationSource, type OcspFetcher, type OcspRevocationSourceOptions } from './revocation/ocsp-source.js';
export { findDuplicateMember } from './token/json-object.js';
export {
  parseToken,
  MAX_TOKEN_BYTES,
  ATTESTATION_TYP,
  type AttestationClaims,
  type ParsedToken,
} from './token/parse-token.js';
export type { DeviceShape, DeviceShapeMatch, DeviceShapes } from './leaf-shapes.js';
export type { DeviceNames } from './identity.js';
