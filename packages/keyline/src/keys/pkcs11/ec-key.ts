import { createPublicKey, type KeyObject } from 'node:crypto';
import { CURVES, OID, der, fail, type CurveSpec } from '@keyline/core';

/** The curves a Keyline CA key may use on a token. */
export const TOKEN_CURVES: readonly CurveSpec[] = [CURVES['P-256'], CURVES['P-384']];

/** CKA_EC_PARAMS of a named curve: the DER of its OID (PKCS#11 v2.40 curr. mech. 2.3.3, X9.62 Parameters). */
export function ecParamsOf(curve: CurveSpec): Buffer {
  return Buffer.from(der.oid(curve.oid));
}

/** The curve of a CKA_EC_PARAMS value, or undefined for explicit parameters and other curves. */
export function curveOfEcParams(params: Uint8Array): CurveSpec | undefined {
  return TOKEN_CURVES.find((curve) => Buffer.from(params).equals(ecParamsOf(curve)));
}

/**
 * The uncompressed point of a CKA_EC_POINT value. PKCS#11 v2.40 (curr. mech. 2.3.3) makes it the DER
 * of an OCTET STRING around the X9.62 point; some tokens return the bare point, which is accepted
 * too (the lengths tell the two apart). Anything else is ERR_KEY_PKCS11.
 */
export function ecPointOf(value: Uint8Array, curve: CurveSpec): Uint8Array {
  const pointLength = 1 + 2 * curve.size;
  // P-256 and P-384 points are under 128 octets: a one-octet DER length.
  if (value.length === pointLength + 2 && value[0] === 0x04 && value[1] === pointLength && value[2] === 0x04) {
    return value.subarray(2);
  }
  if (value.length === pointLength && value[0] === 0x04) return value;
  return fail('ERR_KEY_PKCS11', `CKA_EC_POINT is not an uncompressed ${curve.name} point`);
}

/**
 * The DER SubjectPublicKeyInfo of an EC point (RFC 5480 2: id-ecPublicKey with the namedCurve,
 * the point as the BIT STRING), and the KeyObject OpenSSL makes of it — importing it checks the
 * point is on the curve.
 */
export function ecSpki(point: Uint8Array, curve: CurveSpec): { spki: Uint8Array; publicKey: KeyObject } {
  const spki = der.seq(der.seq(der.oid(OID.ecPublicKey), der.oid(curve.oid)), der.bits(point));
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return fail('ERR_KEY_PKCS11', `the token's public key is not a point on ${curve.name}`);
  }
  return { spki, publicKey };
}
