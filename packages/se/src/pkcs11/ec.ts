import { createPublicKey } from 'node:crypto';
import { fail } from '@keyline/core';
import { isBytes } from '../bytes.js';

/** DER of the OID prime256v1 (1.2.840.10045.3.1.7), the CKA_EC_PARAMS of a P-256 key (PKCS#11 v2.40 2.3.3). */
export const P256_EC_PARAMS = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);

/**
 * The 65-byte uncompressed point of a CKA_EC_POINT value. PKCS#11 v2.40 section 2.3.3 says it is the DER
 * OCTET STRING of the point (04 41 04 X Y); some modules give the bare point, which is taken as well.
 */
export function pointFromEcPoint(value: Uint8Array): Uint8Array {
  if (value.length === 67 && value[0] === 0x04 && value[1] === 0x41 && value[2] === 0x04) return value.slice(2);
  if (value.length === 65 && value[0] === 0x04) return value.slice();
  return fail('ERR_SE_PKCS11', 'the token gave a CKA_EC_POINT that is not an uncompressed P-256 point');
}

/** Checks a peer's point: 65 bytes, 04 X Y, on P-256 (OpenSSL checks the curve equation on import). */
export function checkPeerPoint(point: unknown): asserts point is Uint8Array {
  if (!isBytes(point) || point.length !== 65 || point[0] !== 0x04) fail('ERR_SE_BAD_PUBLIC_KEY');
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
  try {
    createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
      format: 'jwk',
    });
  } catch {
    fail('ERR_SE_BAD_PUBLIC_KEY');
  }
}
