import { fail } from '../../errors/keyline-error.js';
import { Tag } from './tags.js';
import type { Tlv } from './tlv.js';

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes the directory and IA5 string types X.509 uses, checking each type's alphabet. */
export function stringFromContent(tag: number, content: Uint8Array): string {
  switch (tag) {
    case Tag.UTF8_STRING:
      try {
        return utf8.decode(content);
      } catch {
        return fail('ERR_DER_BAD_STRING', 'UTF8String is not valid UTF-8');
      }
    case Tag.PRINTABLE_STRING: {
      const text = ascii(content);
      if (!PRINTABLE.test(text)) fail('ERR_DER_BAD_STRING', 'PrintableString holds a character outside its alphabet');
      return text;
    }
    case Tag.IA5_STRING:
    case Tag.VISIBLE_STRING:
      return ascii(content);
    case Tag.TELETEX_STRING:
      return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('latin1');
    case Tag.BMP_STRING: {
      if (content.length % 2 !== 0) fail('ERR_DER_BAD_STRING', 'BMPString has an odd length');
      let text = '';
      for (let i = 0; i < content.length; i += 2) text += String.fromCharCode((content[i]! << 8) | content[i + 1]!);
      return text;
    }
    case Tag.UNIVERSAL_STRING: {
      if (content.length % 4 !== 0) fail('ERR_DER_BAD_STRING', 'UniversalString length is not a multiple of 4');
      let text = '';
      for (let i = 0; i < content.length; i += 4) {
        const cp = ((content[i]! << 24) | (content[i + 1]! << 16) | (content[i + 2]! << 8) | content[i + 3]!) >>> 0;
        if (cp > 0x10ffff) fail('ERR_DER_BAD_STRING', 'UniversalString holds an invalid code point');
        text += String.fromCodePoint(cp);
      }
      return text;
    }
    default:
      return fail('ERR_DER_UNEXPECTED_TAG', `tag 0x${tag.toString(16)} is not a string type`);
  }
}

/** Whether each ASCII octet is in PrintableString's alphabet (the PRINTABLE pattern above). */
const IN_PRINTABLE = new Uint8Array(128);
for (let c = 0; c < 128; c++) IN_PRINTABLE[c] = PRINTABLE.test(String.fromCharCode(c)) ? 1 : 0;

/**
 * The checks `stringFromContent` makes of a PrintableString or IA5String, in the same order and
 * with the same errors, on `buf[start..end)` in place: no view, no string (the DER check of a
 * certificate meets a dozen of them before the name decoder reads them).
 */
export function checkAsciiStringAt(tag: number, buf: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) if (buf[i]! > 0x7f) fail('ERR_DER_BAD_STRING', 'IA5String holds a non-ASCII octet');
  if (tag !== Tag.PRINTABLE_STRING) return;
  for (let i = start; i < end; i++) {
    if (IN_PRINTABLE[buf[i]!] === 0)
      fail('ERR_DER_BAD_STRING', 'PrintableString holds a character outside its alphabet');
  }
}

export function readString(buf: Uint8Array, tlv: Tlv): string {
  return stringFromContent(tlv.tag, buf.subarray(tlv.valueStart, tlv.end));
}

/** IA5String content (DNS names, URIs, e-mail addresses): 7-bit only. */
export function ascii(content: Uint8Array): string {
  for (const byte of content) if (byte > 0x7f) fail('ERR_DER_BAD_STRING', 'IA5String holds a non-ASCII octet');
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('latin1');
}

export function isStringTag(tag: number): boolean {
  return (
    tag === Tag.UTF8_STRING ||
    tag === Tag.PRINTABLE_STRING ||
    tag === Tag.IA5_STRING ||
    tag === Tag.VISIBLE_STRING ||
    tag === Tag.TELETEX_STRING ||
    tag === Tag.BMP_STRING ||
    tag === Tag.UNIVERSAL_STRING
  );
}
