import { DerCursor } from '../x509/der/cursor.js';
import type { DerLimits } from '../x509/der/limits.js';
import { readOctetAlignedBitString } from '../x509/der/primitives.js';
import { Tag } from '../x509/der/tags.js';
import { parseDer } from '../x509/der/validate.js';
import type { HashName } from './curves.js';
import { asUint8Array } from './bytes.js';
import { hashBytes } from './one-shot-hash.js';

/** A one-shot digest through node:crypto. */
export function digest(hash: HashName | 'sha1', data: Uint8Array): Uint8Array {
  return asUint8Array(hashBytes(hash, data));
}

export function sha1(data: Uint8Array): Uint8Array {
  return digest('sha1', data);
}

export function sha256(data: Uint8Array): Uint8Array {
  return digest('sha256', data);
}

/**
 * How a key identifier is derived from the subjectPublicKey BIT STRING value (excluding tag,
 * length and the unused-bits octet):
 * - `'sha1'`: RFC 5280 4.2.1.2 method (1), the 160-bit SHA-1 hash;
 * - `'sha256-160'`: RFC 7093 section 2 method (1), the leftmost 160 bits of the SHA-256 hash.
 */
export type KeyIdentifierMethod = 'sha1' | 'sha256-160';

/** A key identifier from the subjectPublicKey BIT STRING value (`PublicKeyInfo.subjectPublicKey`). */
export function keyIdentifier(subjectPublicKey: Uint8Array, method: KeyIdentifierMethod = 'sha1'): Uint8Array {
  switch (method) {
    case 'sha1':
      return sha1(subjectPublicKey);
    case 'sha256-160':
      return sha256(subjectPublicKey).subarray(0, 20);
    default:
      throw new TypeError(`unknown key identifier method "${String(method)}"`);
  }
}

const SPKI_LIMITS: DerLimits = { maxBytes: 16384, maxDepth: 8, maxElements: 64 };

/**
 * A key identifier from a whole DER SubjectPublicKeyInfo. Only the outer structure is decoded, so
 * this works for any key type (the key itself is not validated).
 */
export function keyIdentifierFromSpki(spki: Uint8Array, method: KeyIdentifierMethod = 'sha1'): Uint8Array {
  const top = parseDer(spki, SPKI_LIMITS);
  const cursor = DerCursor.inside(spki, top, 'SubjectPublicKeyInfo');
  cursor.expect(Tag.SEQUENCE, 'algorithm');
  const bits = readOctetAlignedBitString(spki, cursor.expect(Tag.BIT_STRING, 'subjectPublicKey'));
  cursor.finish();
  return keyIdentifier(bits, method);
}
