import { fail } from '../../errors/keyline-error.js';
import { isStringTag, stringFromContent } from '../der/strings.js';
import { readTlv, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import { attributeTypeOid } from './attribute-types.js';
import { encodeName, type NameAttributeInput } from './encode.js';
import { readName } from './parse.js';
import type { Name } from './types.js';

/** Options for {@link nameFromString}. */
export interface NameFromStringOptions {
  /** Extra short names (OID → name) accepted as attribute types, e.g. Keyline's own. */
  readonly shortNames?: Readonly<Record<string, string>>;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
const ESCAPABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function bad(message: string): never {
  return fail('ERR_X509_BAD_NAME', message);
}

/** A tiny cursor over the text; every method advances past what it reads. */
class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  skipSpaces(): void {
    while (this.peek() === ' ') this.pos++;
  }
}

function readType(r: Reader, options: NameFromStringOptions | undefined): string {
  r.skipSpaces();
  const start = r.pos;
  while (!r.done && r.peek() !== '=') {
    if (r.peek() === ',' || r.peek() === '+') bad(`attribute at offset ${start} has no "="`);
    r.pos++;
  }
  if (r.done) bad(`attribute at offset ${start} has no "="`);
  const type = r.text.slice(start, r.pos).trim();
  r.pos++; // '='
  if (type === '') bad(`attribute at offset ${start} has no type`);
  return attributeTypeOid(type, options?.shortNames) ?? bad(`unknown attribute type "${type.slice(0, 40)}"`);
}

/** `#` followed by hex: the DER of the value (RFC 4514 section 2.4 / 3). */
function readHexValue(r: Reader): { value: string; tag: number } {
  r.pos++; // '#'
  const start = r.pos;
  while (!r.done && /[0-9A-Fa-f]/.test(r.peek()!)) r.pos++;
  const hex = r.text.slice(start, r.pos);
  if (hex.length === 0 || hex.length % 2 !== 0) bad('a #-value needs an even number of hex digits');
  const encoded = new Uint8Array(Buffer.from(hex, 'hex'));
  let tlv: Tlv;
  try {
    tlv = parseDer(encoded);
  } catch (error) {
    return bad(`#-value is not one DER element (${(error as Error).message})`);
  }
  if (isStringTag(tlv.tag))
    return { tag: tlv.tag, value: stringFromContent(tlv.tag, encoded.subarray(tlv.valueStart)) };
  return { tag: tlv.tag, value: `#${hex.toLowerCase()}` };
}

/** An RFC 4514 string value with escapes; unescaped leading and trailing spaces are dropped. */
function readStringValue(r: Reader): string {
  const bytes: number[] = [];
  let significant = 0; // bytes up to the last escaped or non-space character
  while (!r.done) {
    const ch = r.peek()!;
    if (ch === ',' || ch === '+') break;
    if (ch === '\\') {
      const next = r.text[r.pos + 1];
      const pair = r.text.slice(r.pos + 1, r.pos + 3);
      if (HEX.test(pair)) {
        bytes.push(parseInt(pair, 16));
        r.pos += 3;
      } else if (next !== undefined && ESCAPABLE.has(next)) {
        bytes.push(next.charCodeAt(0));
        r.pos += 2;
      } else {
        bad(`bad escape at offset ${r.pos}`);
      }
      significant = bytes.length;
      continue;
    }
    if (ch === '"' || ch === ';' || ch === '<' || ch === '>' || ch === '\0') {
      bad(`"${ch === '\0' ? '\\0' : ch}" at offset ${r.pos} must be escaped`);
    }
    const cp = r.text.codePointAt(r.pos)!;
    const chunk = String.fromCodePoint(cp);
    for (const byte of encoder.encode(chunk)) bytes.push(byte);
    r.pos += chunk.length;
    if (ch !== ' ') significant = bytes.length;
  }
  try {
    return utf8.decode(Uint8Array.from(bytes.slice(0, significant)));
  } catch {
    return bad('escaped hex pairs do not form UTF-8');
  }
}

/**
 * Parses an RFC 4514-style string (`CN=Device 1, O=Example, C=FI`) into a Name. Like RFC 4514 the
 * first RDN in the text is the last in the name; `+` joins attributes of one RDN; types are short
 * names, long names or dotted OIDs; values take `\` escapes (special characters or hex pairs of
 * UTF-8) or `#hex` DER. Unlike RFC 4514 it also accepts spaces around `,` `+` and `=` (unescaped
 * leading and trailing spaces of a value are insignificant, as in RFC 4518). String types are
 * chosen as {@link encodeName} does. Empty or blank text gives the empty name. Throws
 * ERR_X509_BAD_NAME for malformed text, ERR_X509_BUILD_INVALID for values a type cannot hold.
 */
export function nameFromString(text: string, options?: NameFromStringOptions): Name {
  if (text.length > 64 * 1024) bad('name text is too long');
  const rdns: NameAttributeInput[][] = [];
  const r = new Reader(text);
  r.skipSpaces();
  while (!r.done) {
    const rdn: NameAttributeInput[] = [];
    for (;;) {
      const type = readType(r, options);
      r.skipSpaces();
      const attribute = r.peek() === '#' ? { type, ...readHexValue(r) } : { type, value: readStringValue(r) };
      r.skipSpaces();
      rdn.push(attribute);
      if (r.peek() !== '+') break;
      r.pos++;
    }
    rdns.push(rdn);
    if (r.done) break;
    if (r.peek() !== ',') bad(`unexpected "${r.peek()!}" at offset ${r.pos}`);
    r.pos++;
    r.skipSpaces();
    if (r.done) bad('name text ends with ","');
  }
  rdns.reverse();
  const der = encodeName(rdns);
  return readName(der, readTlv(der, 0, der.length));
}
