import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { KeylineError } from '../errors/keyline-error.js';
import type { ErrorCode } from '../errors/registry.js';
import type { CurveSpec } from './curves.js';
import { LruCache } from './lru.js';

/**
 * What `importPublicKey` needs besides the SPKI: the parts of the key in the form of the cheapest
 * import path. EC coordinates are given only when known (an uncompressed point, or a compressed
 * one that OpenSSL already decompressed).
 */
export type KeyMaterial =
  | { readonly kind: 'ec'; readonly curve: CurveSpec; readonly x?: Uint8Array; readonly y?: Uint8Array }
  | { readonly kind: 'ed25519'; readonly key: Uint8Array }
  | { readonly kind: 'rsa'; readonly modulus: Uint8Array; readonly exponent: Uint8Array };

/** Default number of imported public keys kept (a few hundred bytes of native memory each). */
export const DEFAULT_KEY_OBJECT_CACHE_CAPACITY = 1024;

const cache = new LruCache<string, KeyObject>(DEFAULT_KEY_OBJECT_CACHE_CAPACITY);

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function stripLeadingZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

/**
 * Whether OpenSSL takes this key faster from JWK than from SPKI DER. Measured on Node 20 with
 * OpenSSL 3.0 (packages/core/test/crypto/measure-key-import.ts): OpenSSL 3's DER decoder costs
 * ~105-135 µs whatever the key; JWK import builds the key directly and costs ~6 µs for RSA, ~10 µs
 * for Ed25519 and ~65 µs for P-256, but ~500 µs for P-384 and ~1.2 ms for P-521 (its public-key
 * check is slow on the curves without a dedicated implementation), so those keep the DER path.
 */
function prefersJwk(material: KeyMaterial): boolean {
  if (material.kind !== 'ec') return true;
  return material.curve.name === 'P-256' && material.x !== undefined && material.y !== undefined;
}

function toJwk(material: KeyMaterial): JsonWebKey {
  switch (material.kind) {
    case 'ec':
      return { kty: 'EC', crv: material.curve.name, x: base64url(material.x!), y: base64url(material.y!) };
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519', x: base64url(material.key) };
    case 'rsa':
      // RFC 7518 6.3.1: n and e are unsigned big-endian without leading zero octets.
      return {
        kty: 'RSA',
        n: base64url(stripLeadingZeros(material.modulus)),
        e: base64url(stripLeadingZeros(material.exponent)),
      };
  }
}

const FAILURE_CODE: Readonly<Record<KeyMaterial['kind'], ErrorCode>> = {
  // Our decoder has checked the form, length and range of the point already; what OpenSSL can
  // still refuse is a point that does not satisfy the curve equation.
  ec: 'ERR_CRYPTO_POINT_NOT_ON_CURVE',
  ed25519: 'ERR_CRYPTO_BAD_ED25519_KEY',
  rsa: 'ERR_CRYPTO_BAD_RSA_KEY',
};

/**
 * The `KeyObject` of a public key that the SPKI decoder has already checked, from a bounded LRU
 * cache keyed by the SPKI bytes, or imported by the cheapest path and cached. OpenSSL validates
 * EC points on import; a refusal becomes `ERR_CRYPTO_POINT_NOT_ON_CURVE`.
 */
export function importPublicKey(spki: Uint8Array, material: KeyMaterial): KeyObject {
  const key = latin1(spki);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let imported: KeyObject;
  try {
    imported = prefersJwk(material)
      ? createPublicKey({ key: toJwk(material), format: 'jwk' })
      : createPublicKey({
          key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength),
          format: 'der',
          type: 'spki',
        });
  } catch (cause) {
    throw new KeylineError(FAILURE_CODE[material.kind], undefined, undefined, { cause });
  }
  cache.set(key, imported);
  return imported;
}

/** Whether the key with this SPKI has been imported (and so validated by OpenSSL) and is still cached. */
export function isKeyObjectCached(spki: Uint8Array): boolean {
  return cache.has(latin1(spki));
}

/** Drops every cached `KeyObject` (tests, or after a key compromise drill). */
export function clearKeyObjectCache(): void {
  cache.clear();
}

/** Sets how many imported public keys are kept; 0 disables the cache. */
export function setKeyObjectCacheCapacity(capacity: number): void {
  cache.resize(capacity);
}
