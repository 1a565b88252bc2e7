import { KeylineError } from '@keyline/core';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64_OR_URL = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes a base64 body as EST sends it (RFC 7030 4.2.1, RFC 8951 3: base64 always, line breaks
 * allowed). Whitespace is dropped; anything outside the alphabet, a bad length or an empty body is
 * ERR_SERVER_BAD_BASE64 (Node's own decoder would silently skip such characters).
 */
export function decodeBase64Body(body: string | Uint8Array, what: string): Uint8Array {
  const text = (typeof body === 'string' ? body : Buffer.from(body).toString('latin1')).replace(/[\r\n\t ]+/g, '');
  return decodeStrict(text, BASE64, what);
}

/**
 * Decodes the base64 of an OCSP GET path (RFC 6960 A.1: URL-encoded base64). Base64url is accepted
 * too (RFC 4648 5), with or without padding: clients differ.
 */
export function decodeBase64Path(segment: string, what: string): Uint8Array {
  let text: string;
  try {
    text = decodeURIComponent(segment);
  } catch {
    throw new KeylineError('ERR_SERVER_BAD_BASE64', `${what} is not valid URL encoding`);
  }
  return decodeStrict(text, BASE64_OR_URL, what);
}

function decodeStrict(text: string, alphabet: RegExp, what: string): Uint8Array {
  if (text.length === 0) throw new KeylineError('ERR_SERVER_BAD_BASE64', `${what} is empty`);
  const unpadded = text.replace(/=+$/, '');
  const padded = text.length !== unpadded.length;
  if (!alphabet.test(text) || unpadded.length % 4 === 1 || (padded && text.length % 4 !== 0)) {
    throw new KeylineError('ERR_SERVER_BAD_BASE64', `${what} is not valid base64`);
  }
  const bytes = Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
