import { createPublicKey, verify } from 'node:crypto';
import { fail, sha256, type Certificate } from '@keyline/core';
import type { SecureElement } from '@keyline/se';

/** The JWS `typ` of a Keyline attestation token. */
export const ATTESTATION_TYPE = 'keyline-attestation+jwt';
/** Largest token a verifier accepts; this SDK never makes a larger one. */
export const MAX_ATTESTATION_TOKEN_LENGTH = 16 * 1024;
/** Longest nonce or audience this SDK signs. */
export const MAX_ATTEST_FIELD_LENGTH = 256;

/** Printable ASCII, no controls: what a nonce (base64url) or audience (a URL or name) is. */
const PRINTABLE = /^[\x20-\x7e]+$/;

/** What `DeviceIdentity.attest` takes. */
export interface AttestOptions {
  /** The verifier's challenge (e.g. from POST /api/v1/challenges). 1-256 printable ASCII characters. */
  readonly nonce: string;
  /** Who the token is for (the verifying service). 1-256 printable ASCII characters. */
  readonly audience: string;
  /** The issue time; default: the identity's clock. */
  readonly now?: Date;
}

/** The attestation's payload. */
export interface AttestationClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly nonce: string;
  readonly iat: number;
}

function checkField(value: unknown, name: string): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_ATTEST_FIELD_LENGTH ||
    !PRINTABLE.test(value)
  ) {
    fail('ERR_DEVICE_BAD_ATTEST_INPUT', `${name} must be 1 to ${MAX_ATTEST_FIELD_LENGTH} printable ASCII characters`);
  }
  return value;
}

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/**
 * A compact JWS (RFC 7515) with ES256 (RFC 7518 3.4): the protected header carries the chain in
 * `x5c` (standard base64 DER, leaf first, root excluded), the payload the device id as `iss` and
 * `sub`, the audience, the nonce and `iat`. The element signs SHA-256 of the signing input with the
 * identity key; its raw r ‖ s is exactly JWS's ES256 signature. The signature is checked against
 * the device certificate's key before the token is returned (ERR_DEVICE_SIGNATURE_INVALID).
 */
export async function attestationToken(
  element: SecureElement,
  keySlot: number,
  chain: readonly Certificate[],
  deviceId: string,
  options: AttestOptions,
): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('attest needs { nonce, audience }');
  const nonce = checkField(options.nonce, 'nonce');
  const audience = checkField(options.audience, 'audience');
  const now = options.now;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
  const header = { alg: 'ES256', typ: ATTESTATION_TYPE, x5c: chain.map((c) => Buffer.from(c.der).toString('base64')) };
  const claims: AttestationClaims = {
    iss: deviceId,
    sub: deviceId,
    aud: audience,
    nonce,
    iat: Math.floor(now.getTime() / 1000),
  };
  const signingInput = `${b64url(Buffer.from(JSON.stringify(header)))}.${b64url(Buffer.from(JSON.stringify(claims)))}`;
  const ascii = new Uint8Array(Buffer.from(signingInput, 'ascii'));
  const signature = await element.sign(keySlot, sha256(ascii));
  const leafKey = createPublicKey({ key: Buffer.from(chain[0]!.spki), format: 'der', type: 'spki' });
  if (!verify('sha256', ascii, { key: leafKey, dsaEncoding: 'ieee-p1363' }, signature)) {
    fail('ERR_DEVICE_SIGNATURE_INVALID');
  }
  const token = `${signingInput}.${b64url(signature)}`;
  if (token.length > MAX_ATTESTATION_TOKEN_LENGTH) {
    fail('ERR_DEVICE_BAD_ATTEST_INPUT', `the token would be longer than ${MAX_ATTESTATION_TOKEN_LENGTH} characters`);
  }
  return token;
}
