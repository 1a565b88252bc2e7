import { OID } from '../x509/oids.js';

/** The NIST prime curves Keyline accepts (RFC 5480 2.1.1.1 named curves). */
export type CurveName = 'P-256' | 'P-384' | 'P-521';

/** The SHA-2 hashes Keyline signs and verifies with. */
export type HashName = 'sha256' | 'sha384' | 'sha512';

/** What the crypto layer needs to know about one curve. */
export interface CurveSpec {
  readonly name: CurveName;
  /** namedCurve OID (RFC 5480 2.1.1.1). */
  readonly oid: string;
  /** OpenSSL's name, as `crypto.createECDH` and `asymmetricKeyDetails.namedCurve` spell it. */
  readonly opensslName: 'prime256v1' | 'secp384r1' | 'secp521r1';
  /** Octets of one field element (one coordinate of a point). */
  readonly size: number;
  /** Bits of the field prime. */
  readonly bits: number;
  /** Field prime p, big-endian, `size` octets. */
  readonly p: Uint8Array;
  /** Group order n, big-endian, without leading zero octets. */
  readonly n: Uint8Array;
  /** The hash of matching strength (RFC 5480 section 4; CA/Browser Forum BR 7.1.3.2.2). */
  readonly hash: HashName;
}

function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

// Domain parameters from SEC 2 v2 (2.4.2, 2.5.1, 2.6.1) = FIPS 186-4 D.1.2; a test checks them
// against `openssl ecparam -param_enc explicit`.
const P256: CurveSpec = {
  name: 'P-256',
  oid: OID.prime256v1,
  opensslName: 'prime256v1',
  size: 32,
  bits: 256,
  p: hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
  n: hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
  hash: 'sha256',
};

const P384: CurveSpec = {
  name: 'P-384',
  oid: OID.secp384r1,
  opensslName: 'secp384r1',
  size: 48,
  bits: 384,
  p: hex('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff'),
  n: hex('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
  hash: 'sha384',
};

const P521: CurveSpec = {
  name: 'P-521',
  oid: OID.secp521r1,
  opensslName: 'secp521r1',
  size: 66,
  bits: 521,
  p: hex('01ff' + 'ff'.repeat(64)),
  n: hex(
    '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  ),
  hash: 'sha512',
};

/** The supported curves by name. */
export const CURVES: Readonly<Record<CurveName, CurveSpec>> = { 'P-256': P256, 'P-384': P384, 'P-521': P521 };

const BY_OID: ReadonlyMap<string, CurveSpec> = new Map([P256, P384, P521].map((c) => [c.oid, c]));
const BY_OPENSSL_NAME: ReadonlyMap<string, CurveSpec> = new Map([P256, P384, P521].map((c) => [c.opensslName, c]));

/** The curve a namedCurve OID names, or undefined when Keyline does not support it. */
export function curveByOid(oid: string): CurveSpec | undefined {
  return BY_OID.get(oid);
}

/** The curve of a `KeyObject`'s `asymmetricKeyDetails.namedCurve`, or undefined. */
export function curveByOpensslName(name: string | undefined): CurveSpec | undefined {
  return name === undefined ? undefined : BY_OPENSSL_NAME.get(name);
}

/**
 * Compares two unsigned big-endian magnitudes (leading zero octets allowed): negative when
 * `a < b`, zero when equal, positive when `a > b`. Not constant-time: it only ever sees public values.
 */
export function compareMagnitude(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  let j = 0;
  while (i < a.length && a[i] === 0) i++;
  while (j < b.length && b[j] === 0) j++;
  const lengthA = a.length - i;
  const lengthB = b.length - j;
  if (lengthA !== lengthB) return lengthA - lengthB;
  for (; i < a.length; i++, j++) if (a[i] !== b[j]) return a[i]! - b[j]!;
  return 0;
}
