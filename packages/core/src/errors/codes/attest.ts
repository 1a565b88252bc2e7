import type { ErrorSpec } from '../spec.js';

/**
 * Refusals of device attestation (trust/device, `verifyDevice`): the attestation token (a compact
 * JWS, ES256, with the chain in `x5c`), its chain, its claims and its challenge. Every bad input of
 * issue 5 section 4 has its own code. Malformed tokens are of kind `input` (HTTP 400); a
 * well-formed token refused on its merits is `invalid` (HTTP 422, CLI exit 1). `verifyDevice`
 * answers both as `{ ok: false, code, message }` rather than throwing.
 */
export const ATTEST_ERRORS = {
  // --- the token's form (trust/device/token) ---
  ERR_ATTEST_TOKEN_TOO_LARGE: { message: 'the attestation token is larger than 16 KiB', kind: 'input' },
  ERR_ATTEST_MALFORMED: {
    message: 'the attestation token is not a compact JWS of three non-empty dot-separated parts',
    kind: 'input',
  },
  ERR_ATTEST_BAD_BASE64URL: {
    message: 'a part of the attestation token is not canonical unpadded base64url',
    kind: 'input',
  },
  ERR_ATTEST_BAD_JSON: { message: 'the token header or payload is not a JSON object', kind: 'input' },
  ERR_ATTEST_DUPLICATE_MEMBER: {
    message: 'the token header or payload names the same member twice',
    kind: 'input',
  },
  ERR_ATTEST_BAD_HEADER: {
    message: 'the token header is not a keyline-attestation+jwt header (typ, unknown or critical parameters)',
    kind: 'input',
  },
  ERR_ATTEST_BAD_CLAIMS: {
    message: 'the token payload lacks a claim or has one of the wrong type (iss, sub, aud, nonce, iat)',
    kind: 'input',
  },
  ERR_ATTEST_BAD_SIGNATURE_LENGTH: {
    message: 'the token signature is not 64 octets (r‖s of ES256)',
    kind: 'input',
  },
  ERR_ATTEST_X5C_MALFORMED: {
    message: 'an x5c entry is not standard base64 of a DER certificate',
    kind: 'input',
  },
  // --- the algorithm and the chain ---
  ERR_ATTEST_ALG_NONE: { message: 'the token is unsigned (alg "none")', kind: 'invalid' },
  ERR_ATTEST_ALG_SYMMETRIC: {
    message: 'the token uses a symmetric MAC algorithm (HS256, HS384, HS512)',
    kind: 'invalid',
  },
  ERR_ATTEST_ALG_MISMATCH: {
    message: "the token algorithm is not the one of the device certificate's key (ES256 for P-256)",
    kind: 'invalid',
  },
  ERR_ATTEST_X5C_MISSING: { message: 'the token header has no x5c certificate chain', kind: 'invalid' },
  ERR_ATTEST_X5C_EMPTY: { message: 'the token x5c certificate chain is empty', kind: 'invalid' },
  ERR_ATTEST_X5C_EXTRA: {
    message:
      'the token x5c holds certificates beyond the validated path (a duplicate, a stranger, or the trust anchor itself)',
    kind: 'invalid',
  },
  ERR_ATTEST_X5C_ORDER: {
    message: 'the token x5c is not in path order (device certificate first, each one certified by the next)',
    kind: 'invalid',
  },
  ERR_ATTEST_UNTRUSTED_CHAIN: {
    message: 'the device chain does not lead to a trusted ecosystem root',
    kind: 'invalid',
  },
  ERR_ATTEST_NOT_A_DEVICE: {
    message: 'the end-entity certificate is not a device identity (IDevID) certificate',
    kind: 'invalid',
  },
  ERR_ATTEST_SIGNATURE_INVALID: {
    message: "the token signature does not verify with the device certificate's key",
    kind: 'invalid',
  },
  // --- the claims and the challenge ---
  ERR_ATTEST_DEVICE_ID_MISMATCH: {
    message: "the token iss/sub is not the device certificate's device id",
    kind: 'invalid',
  },
  ERR_ATTEST_AUDIENCE_MISMATCH: { message: 'the token audience is not the expected one', kind: 'invalid' },
  ERR_ATTEST_IAT_SKEW: {
    message: 'the token issue time (iat) is outside the allowed clock skew of the verification time',
    kind: 'invalid',
  },
  ERR_ATTEST_NONCE_MISMATCH: { message: 'the token nonce is not the expected one', kind: 'invalid' },
  ERR_ATTEST_NONCE_UNKNOWN: { message: 'the token nonce was not issued by this verifier', kind: 'invalid' },
  ERR_ATTEST_NONCE_EXPIRED: { message: 'the token nonce has expired', kind: 'invalid' },
  ERR_ATTEST_NONCE_REPLAYED: { message: 'the token nonce has already been used', kind: 'invalid' },
  // --- revocation (a RevocationSource) ---
  ERR_ATTEST_REVOKED: { message: 'a certificate of the device chain is revoked', kind: 'invalid' },
  ERR_ATTEST_REVOCATION_UNKNOWN: {
    message: 'the revocation status of a certificate of the device chain could not be established',
    kind: 'invalid',
  },
  // --- a verifier pool (keyline's verification/) ---
  ERR_ATTEST_VERIFIER_FAILED: {
    message: 'the verification worker failed (crashed or stopped) before answering',
    kind: 'internal',
  },
} as const satisfies Record<string, ErrorSpec>;
