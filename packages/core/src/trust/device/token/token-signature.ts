import { verify as nodeVerify } from 'node:crypto';
import { parsePublicKeyInfo } from '../../../crypto/public-key.js';
import type { Certificate } from '../../../x509/certificate/certificate.js';
import { PASS, refuse, type Check } from '../../validate/outcome.js';
import type { ParsedToken } from './parse-token.js';

/** The JWS algorithm of each curve (RFC 7518 3.4), its hash and its r‖s signature length. */
const BY_CURVE = {
  'P-256': { alg: 'ES256', hash: 'sha256', octets: 64 },
  'P-384': { alg: 'ES384', hash: 'sha384', octets: 96 },
  'P-521': { alg: 'ES512', hash: 'sha512', octets: 132 },
} as const;

/**
 * Proof of possession: the token's signature verifies with the leaf certificate's key, under the
 * one algorithm that key allows (ES256 for a P-256 device key: RFC 7518 3.4, RFC 8725 3.1 — the
 * algorithm is taken from the key, never from the token). The key is imported through the crypto
 * layer's cheapest path (a JWK for P-256, which OpenSSL 3 builds without its slow DER decoder)
 * and kept in its bounded per-SPKI cache, so a device seen again costs no import.
 *
 * Throws the crypto layer's KeylineError for a leaf key it refuses (verifyDevice turns it into a
 * refusal); the chain validation before this has already decoded the same key.
 */
export function checkTokenSignature(token: ParsedToken, leaf: Certificate): Check {
  const key = parsePublicKeyInfo(leaf.spki, { importKey: true });
  if (key.algorithm !== 'ec') {
    return refuse(
      'ERR_ATTEST_ALG_MISMATCH',
      `the device key is ${key.algorithm}, not an EC key a token can be signed with`,
    );
  }
  const expected = BY_CURVE[key.curve];
  if (token.alg !== expected.alg) {
    return refuse(
      'ERR_ATTEST_ALG_MISMATCH',
      `alg ${token.alg.slice(0, 20)} does not fit the ${key.curve} device key (${expected.alg})`,
    );
  }
  if (token.signature.length !== expected.octets) {
    return refuse('ERR_ATTEST_BAD_SIGNATURE_LENGTH', `${expected.alg} signatures have ${expected.octets} octets`);
  }
  let valid: boolean;
  try {
    valid = nodeVerify(
      expected.hash,
      token.signingInput,
      { key: key.keyObject(), dsaEncoding: 'ieee-p1363' },
      token.signature,
    );
  } catch {
    valid = false;
  }
  return valid
    ? PASS
    : refuse('ERR_ATTEST_SIGNATURE_INVALID', "the token signature does not verify with the device certificate's key");
}
