import { fail } from '@keyline/core';

/** RFC 3986 2.3 unreserved characters: never percent-encoded. */
export function isUnreserved(ch: string): boolean {
  return /^[A-Za-z0-9\-._~]$/.test(ch);
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ENCODER = new TextEncoder();

/**
 * The octets of a URI component: `%XX` escapes decoded (RFC 3986 2.1, either case), characters
 * for which `literal` holds taken as their UTF-8, anything else refused with ERR_KEY_BAD_URI
 * (a delimiter or control character that should have been escaped).
 */
export function percentDecode(text: string, literal: (ch: string) => boolean, what: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    if (ch === '%') {
      const pair = text.slice(i + 1, i + 3);
      if (!HEX.test(pair)) fail('ERR_KEY_BAD_URI', `${what}: "%" must start a %XX escape`);
      out.push(Number.parseInt(pair, 16));
      i += 3;
      continue;
    }
    const codePoint = text.codePointAt(i)!;
    const char = String.fromCodePoint(codePoint);
    // Raw non-ASCII (an IRI as people type it) is taken as its UTF-8; ASCII must be allowed here;
    // a lone surrogate has no UTF-8 form.
    if (codePoint < 0x80 ? !literal(char) : codePoint >= 0xd800 && codePoint <= 0xdfff) {
      fail('ERR_KEY_BAD_URI', `${what}: character ${JSON.stringify(char)} must be percent-encoded`);
    }
    for (const byte of ENCODER.encode(char)) out.push(byte);
    i += char.length;
  }
  return Uint8Array.from(out);
}

/** Octets as text: strict UTF-8 without NUL (labels, paths and PINs are C strings to the token and the OS). */
export function utf8Text(bytes: Uint8Array, what: string): string {
  if (bytes.includes(0)) fail('ERR_KEY_BAD_URI', `${what} contains a NUL character`);
  try {
    return UTF8.decode(bytes);
  } catch {
    return fail('ERR_KEY_BAD_URI', `${what} is not valid UTF-8 once percent-decoded`);
  }
}

/** `percentDecode` then `utf8Text`. */
export function percentDecodeText(text: string, literal: (ch: string) => boolean, what: string): string {
  return utf8Text(percentDecode(text, literal, what), what);
}

/** Percent-encodes every UTF-8 octet of `value` except the ASCII characters `keep` allows. */
export function percentEncode(value: string | Uint8Array, keep: (ch: string) => boolean): string {
  const bytes = typeof value === 'string' ? ENCODER.encode(value) : value;
  let out = '';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && keep(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
