import { KeylineError, fail, isKeylineError } from '../errors/keyline-error.js';
import { Tag } from '../x509/der/tags.js';
import { readTlv, type Tlv } from '../x509/der/tlv.js';
import * as der from '../x509/der/writer.js';
import { compareMagnitude, type CurveSpec } from './curves.js';

/**
 * Reads a DER ECDSA-Sig-Value (RFC 5480 2.2 / X9.62 E.6: `SEQUENCE { r INTEGER, s INTEGER }`)
 * and checks it strictly: definite minimal lengths, minimal INTEGERs, nothing after `s`
 * (`ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER`), and r, s in [1, n-1] for the curve order n
 * (`ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE`, FIPS 186-5 6.4.2 step 1). Returns r and s as unsigned
 * big-endian views without leading zero octets.
 */
export function checkEcdsaSignature(signature: Uint8Array, curve: CurveSpec): { r: Uint8Array; s: Uint8Array } {
  let r: Uint8Array;
  let s: Uint8Array;
  try {
    const top = readTlv(signature, 0, signature.length);
    if (top.tag !== Tag.SEQUENCE) fail('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', 'ECDSA signature is not a SEQUENCE');
    if (top.end !== signature.length) fail('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', 'ECDSA signature has trailing bytes');
    const rTlv = readTlv(signature, top.valueStart, top.end);
    const sTlv = readTlv(signature, rTlv.end, top.end);
    if (sTlv.end !== top.end) fail('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', 'ECDSA signature has more than r and s');
    r = integerMagnitude(signature, rTlv, 'r', curve);
    s = integerMagnitude(signature, sTlv, 's', curve);
  } catch (error) {
    // Map the DER layer's codes (length octets, truncation) to the one code of this defect.
    if (isKeylineError(error) && error.code.startsWith('ERR_DER_')) {
      throw new KeylineError('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', error.message, { derCode: error.code });
    }
    throw error;
  }
  return { r, s };
}

function integerMagnitude(buf: Uint8Array, tlv: Tlv, field: 'r' | 's', curve: CurveSpec): Uint8Array {
  if (tlv.tag !== Tag.INTEGER) fail('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', `ECDSA signature ${field} is not an INTEGER`);
  const content = buf.subarray(tlv.valueStart, tlv.end);
  if (content.length === 0) fail('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', `ECDSA signature ${field} is empty`);
  if (content.length > 1) {
    const a = content[0]!;
    const b = content[1]!;
    if ((a === 0x00 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0)) {
      fail('ERR_CRYPTO_ECDSA_SIGNATURE_NOT_DER', `ECDSA signature ${field} is not minimally encoded`);
    }
  }
  if ((content[0]! & 0x80) !== 0)
    fail('ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE', `ECDSA signature ${field} is negative`);
  const magnitude = content[0] === 0 ? content.subarray(1) : content;
  if (magnitude.length === 0) fail('ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE', `ECDSA signature ${field} is zero`);
  if (compareMagnitude(magnitude, curve.n) >= 0) {
    fail('ERR_CRYPTO_ECDSA_SIGNATURE_OUT_OF_RANGE', `ECDSA signature ${field} is not below the ${curve.name} order`);
  }
  return magnitude;
}

/**
 * The DER ECDSA-Sig-Value of a raw `r || s` signature (IEEE P1363 form, as PKCS#11 tokens and
 * secure elements return it): two halves of equal length.
 */
export function ecdsaSignatureFromRaw(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0)
    throw new TypeError('raw ECDSA signature must be r || s of equal halves');
  const half = raw.length / 2;
  return der.seq(der.unsignedInt(raw.subarray(0, half)), der.unsignedInt(raw.subarray(half)));
}

/** The raw `r || s` form (each padded to the curve's size) of a DER ECDSA signature, checked as above. */
export function ecdsaSignatureToRaw(signature: Uint8Array, curve: CurveSpec): Uint8Array {
  const { r, s } = checkEcdsaSignature(signature, curve);
  const out = new Uint8Array(2 * curve.size);
  out.set(r, curve.size - r.length);
  out.set(s, 2 * curve.size - s.length);
  return out;
}

/** The order L of the Ed25519 base point: 2^252 + 27742317777372353535851937790883648493 (RFC 8032 5.1). */
export const ED25519_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

/** L as 32 little-endian octets, the way S is encoded. */
const L_LITTLE_ENDIAN: Uint8Array = (() => {
  const out = new Uint8Array(32);
  let v = ED25519_ORDER;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
})();

/**
 * Checks an Ed25519 signature's form: 64 octets (`ERR_CRYPTO_BAD_ED25519_SIGNATURE`) and the
 * scalar S (octets 32..63, little-endian) below L (`ERR_CRYPTO_ED25519_SIGNATURE_NOT_CANONICAL`):
 * RFC 8032 5.1.7 step 1 requires rejecting S ≥ L, which makes signatures non-malleable.
 */
export function checkEd25519Signature(signature: Uint8Array): void {
  if (signature.length !== 64) fail('ERR_CRYPTO_BAD_ED25519_SIGNATURE');
  for (let i = 31; i >= 0; i--) {
    const sByte = signature[32 + i]!;
    const lByte = L_LITTLE_ENDIAN[i]!;
    if (sByte < lByte) return;
    if (sByte > lByte) break;
  }
  fail('ERR_CRYPTO_ED25519_SIGNATURE_NOT_CANONICAL');
}

/** RFC 8017 8.1.2 step 1 and 8.2.2 step 1: an RSA signature is exactly as long as the modulus. */
export function checkRsaSignatureLength(signature: Uint8Array, modulusBits: number): void {
  const expected = Math.ceil(modulusBits / 8);
  if (signature.length !== expected) {
    fail('ERR_CRYPTO_BAD_RSA_SIGNATURE', `RSA signature is ${signature.length} octets, the modulus ${expected}`);
  }
}
