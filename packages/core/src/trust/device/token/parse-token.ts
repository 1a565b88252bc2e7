import { isAscii } from 'node:buffer';
import { refuse, type Refusal } from '../../validate/outcome.js';
import { decodeBase64url, decodeBase64urlInto } from './base64.js';
import { parseJsonObject } from './json-object.js';

/** Largest token accepted, in characters (the attestation token contract: 16 KiB). */
export const MAX_TOKEN_BYTES = 16 * 1024;

/** The `typ` of a Keyline attestation token's protected header. */
export const ATTESTATION_TYP = 'keyline-attestation+jwt';

/** Header parameters a Keyline attestation token may carry; any other is refused (see parseToken). */
const HEADER_PARAMETERS = new Set(['alg', 'typ', 'x5c']);

/** The claims of an attestation token (the attestation token contract). */
export interface AttestationClaims {
  /** The device id (the leaf certificate's commonName); `sub` is the same. */
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly nonce: string;
  /** Issue time, seconds since the epoch. */
  readonly iat: number;
}

/** A token whose form is right; nothing in it is verified yet. */
export interface ParsedToken {
  readonly alg: string;
  /** The x5c entries, leaf first, as given (base64 text; decoded by verifyDevice). */
  readonly x5c: readonly string[];
  readonly claims: AttestationClaims;
  /** ASCII(BASE64URL(header) '.' BASE64URL(payload)): what the signature covers (RFC 7515 5.2). */
  readonly signingInput: Buffer;
  /** The signature octets (r‖s for ES256). */
  readonly signature: Buffer;
}

const SYMMETRIC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512']);

/** Fatal UTF-8 decoding; the BOM is kept so that JSON.parse refuses it. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Where the header and the payload are decoded, one after the other, each read into a string
 * before the next: large enough for any part of a token of MAX_TOKEN_BYTES.
 */
const scratch = Buffer.allocUnsafeSlow(Math.ceil((MAX_TOKEN_BYTES * 3) / 4));

/**
 * Parses a Keyline attestation token (a JWS in compact serialisation, RFC 7515 7.1) strictly,
 * without trusting anything in it. Refusals, in the order they are checked:
 *
 * - more than 16 KiB: ERR_ATTEST_TOKEN_TOO_LARGE;
 * - not three dot-separated parts, an empty header or payload: ERR_ATTEST_MALFORMED;
 * - a part that is not canonical unpadded base64url (RFC 7515 2; no padding, no whitespace, zero
 *   unused bits): ERR_ATTEST_BAD_BASE64URL;
 * - a header or payload that is not UTF-8 JSON of an object: ERR_ATTEST_BAD_JSON; one naming a
 *   member twice: ERR_ATTEST_DUPLICATE_MEMBER;
 * - `alg` "none": ERR_ATTEST_ALG_NONE; HS256/384/512: ERR_ATTEST_ALG_SYMMETRIC (whether `alg`
 *   fits the leaf key is verifyDevice's check, ERR_ATTEST_ALG_MISMATCH);
 * - `typ` other than "keyline-attestation+jwt", or any header parameter besides alg, typ and x5c
 *   (`crit`, `jwk`, `jku`, `x5u`, `kid`, …: a verifier must not be steered by keys or URLs in the
 *   token): ERR_ATTEST_BAD_HEADER;
 * - no `x5c`: ERR_ATTEST_X5C_MISSING; an empty array: ERR_ATTEST_X5C_EMPTY; not an array of
 *   strings: ERR_ATTEST_X5C_MALFORMED (their base64 and DER are decoded by verifyDevice);
 * - claims `iss`, `sub`, `aud`, `nonce` not non-empty strings, `iss` ≠ `sub`, `iat` not a
 *   non-negative integer: ERR_ATTEST_BAD_CLAIMS (other claims are ignored, RFC 7519 4);
 * - an empty signature, or an ES256 one that is not 64 octets: ERR_ATTEST_BAD_SIGNATURE_LENGTH.
 */
export function parseToken(token: string): ParsedToken | Refusal {
  if (token.length > MAX_TOKEN_BYTES) {
    return refuse('ERR_ATTEST_TOKEN_TOO_LARGE', `the token has ${token.length} characters; at most ${MAX_TOKEN_BYTES}`);
  }
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) {
    return refuse('ERR_ATTEST_MALFORMED', 'a compact JWS has exactly three parts separated by two dots');
  }
  const headerText = token.slice(0, first);
  const payloadText = token.slice(first + 1, second);
  const signatureText = token.slice(second + 1);
  if (headerText.length === 0 || payloadText.length === 0) {
    return refuse('ERR_ATTEST_MALFORMED', 'the token header or payload part is empty');
  }

  const headerPart = jsonPart(headerText, 'header');
  if (!headerPart.ok) return headerPart;
  const header = headerPart.value;
  const alg = header.alg;
  if (typeof alg !== 'string') return refuse('ERR_ATTEST_BAD_HEADER', 'the header has no "alg" string');
  if (alg === 'none') return refuse('ERR_ATTEST_ALG_NONE', 'the token is unsigned (alg "none")');
  if (SYMMETRIC_ALGORITHMS.has(alg)) {
    return refuse('ERR_ATTEST_ALG_SYMMETRIC', `alg ${alg} is a shared-secret MAC, not a device signature`);
  }
  for (const name of Object.keys(header)) {
    if (!HEADER_PARAMETERS.has(name)) {
      return refuse('ERR_ATTEST_BAD_HEADER', `header parameter "${name.slice(0, 40)}" is not accepted`);
    }
  }
  if (header.typ !== ATTESTATION_TYP) {
    return refuse('ERR_ATTEST_BAD_HEADER', `the header typ must be "${ATTESTATION_TYP}"`);
  }
  const x5c = certificates(header.x5c);
  if (!Array.isArray(x5c)) return x5c;

  const payload = jsonPart(payloadText, 'payload');
  if (!payload.ok) return payload;
  const claims = claimsOf(payload.value);
  if ('ok' in claims) return claims;

  const signature = decodeBase64url(signatureText);
  if (signature === undefined) return refuse('ERR_ATTEST_BAD_BASE64URL', 'the signature is not canonical base64url');
  if (signature.length === 0 || (alg === 'ES256' && signature.length !== 64)) {
    return refuse('ERR_ATTEST_BAD_SIGNATURE_LENGTH', `the signature has ${signature.length} octets; ES256 needs 64`);
  }
  return { alg, x5c, claims, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature };
}

function jsonPart(
  text: string,
  what: 'header' | 'payload',
): { readonly ok: true; readonly value: Record<string, unknown> } | Refusal {
  const length = decodeBase64urlInto(text, scratch);
  if (length === undefined) return refuse('ERR_ATTEST_BAD_BASE64URL', `the ${what} is not canonical base64url`);
  const bytes = scratch.subarray(0, length);
  let json: string;
  if (isAscii(bytes)) {
    // ASCII is UTF-8 that decodes to the same characters, and tokens are ASCII in practice (x5c is
    // base64): latin1 makes that string without the strict decoder's cost.
    json = bytes.toString('latin1');
  } else {
    try {
      json = utf8.decode(bytes);
    } catch {
      return refuse('ERR_ATTEST_BAD_JSON', `the ${what} is not UTF-8`);
    }
  }
  const value = parseJsonObject(json);
  if (value === 'json') return refuse('ERR_ATTEST_BAD_JSON', `the ${what} is not a JSON object`);
  if (value === 'duplicate') return refuse('ERR_ATTEST_DUPLICATE_MEMBER', `the ${what} names a member twice`);
  return { ok: true, value };
}

function certificates(x5c: unknown): string[] | Refusal {
  if (x5c === undefined) return refuse('ERR_ATTEST_X5C_MISSING', 'the header has no x5c certificate chain');
  if (!Array.isArray(x5c)) return refuse('ERR_ATTEST_X5C_MALFORMED', 'x5c is not an array');
  if (x5c.length === 0) return refuse('ERR_ATTEST_X5C_EMPTY', 'the x5c certificate chain is empty');
  for (const [index, entry] of x5c.entries()) {
    if (typeof entry !== 'string') return refuse('ERR_ATTEST_X5C_MALFORMED', `x5c[${index}] is not a string`);
  }
  return x5c as string[];
}

function claimsOf(payload: Record<string, unknown>): AttestationClaims | Refusal {
  const { iss, sub, aud, nonce, iat } = payload;
  for (const [name, value] of [
    ['iss', iss],
    ['sub', sub],
    ['aud', aud],
    ['nonce', nonce],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      return refuse('ERR_ATTEST_BAD_CLAIMS', `claim "${name}" must be a non-empty string`);
    }
  }
  if (iss !== sub) return refuse('ERR_ATTEST_BAD_CLAIMS', 'claims "iss" and "sub" must both be the device id');
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat) || iat < 0) {
    return refuse('ERR_ATTEST_BAD_CLAIMS', 'claim "iat" must be a non-negative integer of seconds');
  }
  return { iss: iss as string, sub: sub as string, aud: aud as string, nonce: nonce as string, iat };
}
