import { createHash } from 'node:crypto';
import type { RandomSource } from '@keyline/core';

/** Every API token secret starts with this, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'kl_';

/** 256 random bits: guessing is hopeless, and a SHA-256 hash is then enough to store it. */
const SECRET_OCTETS = 32;

/** A new token secret: `kl_` + base64url of 32 random octets. Shown once, never stored. */
export function newTokenSecret(random: RandomSource): string {
  return TOKEN_PREFIX + Buffer.from(random.bytes(SECRET_OCTETS)).toString('base64url');
}

/**
 * What the store keeps of a token (ApiTokenRecord.tokenHash): SHA-256 of the secret's UTF-8
 * bytes, lower-case hex. The secret has full entropy, so no salt or slow hash is needed: a
 * stolen hash cannot be inverted, and lookups stay one indexed read.
 */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
