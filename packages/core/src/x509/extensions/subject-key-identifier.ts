import { hashBytes } from '../../crypto/one-shot-hash.js';
import { readOctetString } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { decodeExtensionValue, expectTop } from './decode-value.js';

const NAME = 'subjectKeyIdentifier';

/** Decodes `SubjectKeyIdentifier ::= KeyIdentifier ::= OCTET STRING` (RFC 5280 4.2.1.2). */
export function decodeSubjectKeyIdentifier(value: Uint8Array): Uint8Array {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.OCTET_STRING, NAME, 'KeyIdentifier');
    return readOctetString(buf, top);
  });
}

/** DER of a KeyIdentifier OCTET STRING. */
export function encodeSubjectKeyIdentifier(keyIdentifier: Uint8Array): Uint8Array {
  return der.octets(keyIdentifier);
}

/**
 * A key identifier derived from the subjectPublicKey BIT STRING's octets (without tag, length or
 * unused-bits octet): `sha1` is RFC 5280 4.2.1.2 method (1); `sha256-160` is RFC 7093 section 2
 * method 1 (leftmost 160 bits of SHA-256).
 */
export function computeKeyIdentifier(subjectPublicKey: Uint8Array, method: 'sha1' | 'sha256-160' = 'sha1'): Uint8Array {
  if (method === 'sha1') return new Uint8Array(hashBytes('sha1', subjectPublicKey));
  return new Uint8Array(hashBytes('sha256', subjectPublicKey).subarray(0, 20));
}
