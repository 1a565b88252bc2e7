/**
 * Strict base64 decoders for the attestation token. Node's `Buffer.from(text, 'base64url')` skips
 * characters outside the alphabet and ignores non-zero padding bits, so two different texts can
 * decode to the same bytes; here each byte string has exactly one accepted text (RFC 4648 3.5:
 * canonical encoding), which is what makes every change to a token's text a change to what is
 * verified.
 */

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*$/;

/** Index of each base64 / base64url character in its alphabet (-1 elsewhere). */
const VALUE = new Int8Array(128).fill(-1);
for (const [i, ch] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'].entries()) {
  VALUE[ch.charCodeAt(0)] = i;
}
VALUE['-'.charCodeAt(0)] = 62;
VALUE['_'.charCodeAt(0)] = 63;
VALUE['+'.charCodeAt(0)] = 62;
VALUE['/'.charCodeAt(0)] = 63;

/** Whether the last character of an unpadded group of `length % 4` characters leaves its unused bits zero. */
function canonicalTail(text: string, end: number): boolean {
  const rest = end % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = VALUE[text.charCodeAt(end - 1)]!;
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/** Unpadded base64url (RFC 7515 2) in canonical form, or undefined. */
export function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || !canonicalTail(text, text.length)) return undefined;
  return Buffer.from(text, 'base64url');
}

/**
 * `decodeBase64url` into `target` from offset 0 instead of a new Buffer: the length decoded, or
 * undefined for text that is not canonical base64url or would not fit. For a caller that only reads
 * the bytes before its next call (a new Buffer per token part costs an ArrayBuffer allocation).
 */
export function decodeBase64urlInto(text: string, target: Buffer): number | undefined {
  if (!BASE64URL.test(text) || !canonicalTail(text, text.length)) return undefined;
  const length = Math.floor((text.length * 3) / 4);
  if (length > target.length) return undefined;
  return target.write(text, 0, length, 'base64url');
}

/** Padded standard base64 (RFC 4648 4, as x5c uses: RFC 7515 4.1.6) in canonical form, or undefined. */
export function decodeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  let end = text.length;
  if (text.endsWith('==')) end -= 2;
  else if (text.endsWith('=')) end -= 1;
  const body = text.slice(0, end);
  if (!BASE64.test(body) || !canonicalTail(body, end)) return undefined;
  return Buffer.from(text, 'base64');
}
