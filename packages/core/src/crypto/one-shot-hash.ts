import * as nodeCrypto from 'node:crypto';

type Digestible = NodeJS.ArrayBufferView;
type OneShot = (algorithm: string, data: Digestible, outputEncoding: 'buffer' | 'hex') => Buffer | string;

/**
 * node:crypto's one-shot `hash` (Node 20.12 and later). `createHash` makes a Hash object backed
 * by a native handle that the garbage collector must track and finalize; on the device verifier's
 * path (a fingerprint and a key identifier per device) those handles were a measurable part of
 * every scavenge. Older Node 20 releases fall back to `createHash`, with the same answers.
 */
const oneShot = (nodeCrypto as unknown as { hash?: OneShot }).hash;

/** The digest of `data` with node:crypto's algorithm `algorithm` ('sha1', 'sha256', …), as a Buffer. */
export function hashBytes(algorithm: string, data: Digestible): Buffer {
  if (oneShot !== undefined) return oneShot(algorithm, data, 'buffer') as Buffer;
  return nodeCrypto.createHash(algorithm).update(data).digest();
}

/** The digest of `data` in lower-case hex. */
export function hashHex(algorithm: string, data: Digestible): string {
  if (oneShot !== undefined) return oneShot(algorithm, data, 'hex') as string;
  return nodeCrypto.createHash(algorithm).update(data).digest('hex');
}
