import { Tag } from './tags.js';

/**
 * DER encoding helpers. Each returns the complete encoding of one element; compose them to build
 * structures (`seq(int(1n), oid('1.2.3'))`). Byte-exact and deterministic, so the general builder
 * and the template encoder agree.
 */
export function header(tag: number, length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(tag, length);
  if (length < 0x100) return Uint8Array.of(tag, 0x81, length);
  if (length < 0x10000) return Uint8Array.of(tag, 0x82, length >> 8, length & 0xff);
  if (length < 0x1000000) return Uint8Array.of(tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  return Uint8Array.of(tag, 0x84, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const head = header(tag, content.length);
  const out = new Uint8Array(head.length + content.length);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function constructed(tag: number, ...parts: Uint8Array[]): Uint8Array {
  return tlv(tag, concat(parts));
}

export function seq(...parts: Uint8Array[]): Uint8Array {
  return constructed(Tag.SEQUENCE, ...parts);
}

/** SET OF: DER sorts the encodings of its elements (X.690 11.6). */
export function setOf(...parts: Uint8Array[]): Uint8Array {
  const sorted = [...parts].sort(compareBytes);
  return constructed(Tag.SET, ...sorted);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Minimal two's-complement content octets of an integer. */
export function integerContent(value: bigint): Uint8Array {
  let length = 1;
  while (value < -(1n << BigInt(length * 8 - 1)) || value >= 1n << BigInt(length * 8 - 1)) length++;
  let v = value < 0n ? value + (1n << BigInt(length * 8)) : value;
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function int(value: bigint | number, tag: number = Tag.INTEGER): Uint8Array {
  return tlv(tag, integerContent(BigInt(value)));
}

/** An INTEGER from unsigned big-endian magnitude octets (serial numbers, RSA moduli). */
export function unsignedInt(magnitude: Uint8Array, tag: number = Tag.INTEGER): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = trimmed.length === 0 || (trimmed[0]! & 0x80) !== 0;
  return tlv(tag, needsPad ? concat([Uint8Array.of(0), trimmed]) : trimmed);
}

export function bool(value: boolean): Uint8Array {
  return Uint8Array.of(Tag.BOOLEAN, 1, value ? 0xff : 0x00);
}

export function nul(): Uint8Array {
  return Uint8Array.of(Tag.NULL, 0);
}

export function oidContent(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new TypeError(`bad OID "${dotted}"`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2n || (arcs[0]! < 2n && arcs[1]! >= 40n))
    throw new TypeError(`bad OID "${dotted}"`);
  const out: number[] = [];
  const push = (value: bigint): void => {
    const chunk: number[] = [Number(value & 0x7fn)];
    let v = value >> 7n;
    while (v > 0n) {
      chunk.unshift(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return Uint8Array.from(out);
}

export function oid(dotted: string, tag: number = Tag.OID): Uint8Array {
  return tlv(tag, oidContent(dotted));
}

export function octets(content: Uint8Array, tag: number = Tag.OCTET_STRING): Uint8Array {
  return tlv(tag, content);
}

/** A BIT STRING of whole octets (keys, signatures). */
export function bits(content: Uint8Array, unusedBits = 0, tag: number = Tag.BIT_STRING): Uint8Array {
  return tlv(tag, concat([Uint8Array.of(unusedBits), content]));
}

/** A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first octet; DER drops trailing zero bits. */
export function namedBits(setBits: readonly number[], tag: number = Tag.BIT_STRING): Uint8Array {
  if (setBits.length === 0) return tlv(tag, Uint8Array.of(0));
  const highest = Math.max(...setBits);
  const bytes = new Uint8Array((highest >> 3) + 1);
  for (const b of setBits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest & 7);
  return tlv(tag, concat([Uint8Array.of(unused), bytes]));
}

const encoder = new TextEncoder();

export function utf8(text: string, tag: number = Tag.UTF8_STRING): Uint8Array {
  return tlv(tag, encoder.encode(text));
}

export function printable(text: string): Uint8Array {
  return tlv(Tag.PRINTABLE_STRING, encoder.encode(text));
}

export function ia5(text: string, tag: number = Tag.IA5_STRING): Uint8Array {
  return tlv(tag, encoder.encode(text));
}

function pad(n: number, width: number): string {
  return n.toString().padStart(width, '0');
}

function timeText(date: Date, fullYear: boolean): string {
  const y = date.getUTCFullYear();
  const year = fullYear ? pad(y, 4) : pad(y % 100, 2);
  return (
    year +
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    'Z'
  );
}

export function utcTime(date: Date): Uint8Array {
  return tlv(Tag.UTC_TIME, encoder.encode(timeText(date, false)));
}

export function generalizedTime(date: Date): Uint8Array {
  return tlv(Tag.GENERALIZED_TIME, encoder.encode(timeText(date, true)));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(date: Date): Uint8Array {
  const y = date.getUTCFullYear();
  return y >= 1950 && y < 2050 ? utcTime(date) : generalizedTime(date);
}

export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, inner);
}
