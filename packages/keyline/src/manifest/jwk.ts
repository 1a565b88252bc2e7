import { createPublicKey } from 'node:crypto';
import { KeylineError } from '@keyline/core';
import { canonicalJwk, type PublicJwk } from './format.js';

/**
 * The JSON Web Key (RFC 7517; EC members RFC 7518 6.2.1, OKP RFC 8037 2) of a DER
 * SubjectPublicKeyInfo, members in canonical order. Throws ERR_MANIFEST_DEVICE_CERTIFICATE for a
 * key node:crypto cannot read.
 */
export function jwkFromSpki(spki: Uint8Array): PublicJwk {
  try {
    const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const members: Record<string, string> = {};
    for (const [key, value] of Object.entries(jwk)) if (typeof value === 'string') members[key] = value;
    return canonicalJwk(members);
  } catch {
    throw new KeylineError('ERR_MANIFEST_DEVICE_CERTIFICATE', 'the public key cannot be expressed as a JWK');
  }
}

/** Whether two JWKs hold the same members with the same values. */
export function sameJwk(a: PublicJwk, b: PublicJwk): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
