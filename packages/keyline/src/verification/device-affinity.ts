/**
 * Which worker a token goes to: the same device to the same worker, so that a device attesting
 * again meets the caches that remember it (its imported key, its certificate's signature, its
 * decoded certificate), which each worker keeps for itself. A worker that has never seen the
 * device pays for all of that again, as for a new device.
 *
 * The key is the token's protected header (everything before the first '.'): it carries the
 * device's certificate chain (x5c) and is the same at every attestation of a device, while the
 * payload (nonce, iat) changes every time. Its first HASHED characters are hashed (FNV-1a, 32
 * bits): they hold the device's own certificate, which comes first in x5c (RFC 7515 4.1.6) and tells
 * devices apart by its serial, subject and key, at under half the cost of hashing the whole ~5 KB
 * header. Only where a token goes depends on it, never what the answer is.
 */
const HASHED = 2048;

export function laneOf(token: string, lanes: number): number {
  if (lanes <= 1) return 0;
  let end = token.indexOf('.');
  if (end < 0 || end > HASHED) end = Math.min(token.length, HASHED);
  let hash = 0x811c9dc5;
  for (let i = 0; i < end; i++) {
    hash ^= token.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
