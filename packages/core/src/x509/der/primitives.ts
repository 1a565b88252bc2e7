import { fail } from '../../errors/keyline-error.js';
import { MAX_OID_BYTES } from './limits.js';
import { Tag } from './tags.js';
import type { Tlv } from './tlv.js';

/** Checks INTEGER content is non-empty and minimal (X.690 8.3.2). */
export function checkIntegerContent(content: Uint8Array): void {
  checkIntegerAt(content, 0, content.length);
}

/** `checkIntegerContent` of the content octets `buf[start..end)`. */
export function checkIntegerAt(buf: Uint8Array, start: number, end: number): void {
  if (end === start) fail('ERR_DER_EMPTY_INTEGER');
  if (end - start > 1) {
    const a = buf[start]!;
    const b = buf[start + 1]!;
    if ((a === 0x00 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0)) fail('ERR_DER_NON_MINIMAL_INTEGER');
  }
}

/**
 * Two's-complement content octets to a bigint, refusing more than `maxOctets` octets before any
 * conversion (an unbounded INTEGER would otherwise cost time that grows with its square).
 */
export function integerFromContent(content: Uint8Array, maxOctets = 4096): bigint {
  checkIntegerContent(content);
  if (content.length > maxOctets) {
    fail(
      'ERR_DER_INTEGER_TOO_LARGE',
      `INTEGER of ${content.length} octets is longer than the ${maxOctets} allowed here`,
    );
  }
  let value = BigInt(`0x${Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('hex')}`);
  if ((content[0]! & 0x80) !== 0) value -= 1n << BigInt(content.length * 8);
  return value;
}

export function readInteger(buf: Uint8Array, tlv: Tlv, maxOctets?: number): bigint {
  expectTag(tlv, Tag.INTEGER, 'INTEGER');
  return integerFromContent(buf.subarray(tlv.valueStart, tlv.end), maxOctets);
}

/** A small non-negative INTEGER (versions, path lengths, counts). */
export function readSmallInteger(buf: Uint8Array, tlv: Tlv, max = 0x7fffffff): number {
  const value = readInteger(buf, tlv, 8);
  if (value < 0n || value > BigInt(max)) fail('ERR_DER_INTEGER_TOO_LARGE', `INTEGER ${value} is outside 0..${max}`);
  return Number(value);
}

export function readBoolean(buf: Uint8Array, tlv: Tlv): boolean {
  expectTag(tlv, Tag.BOOLEAN, 'BOOLEAN');
  if (tlv.end - tlv.valueStart !== 1) fail('ERR_DER_BAD_BOOLEAN');
  const v = buf[tlv.valueStart];
  if (v === 0x00) return false;
  if (v === 0xff) return true;
  return fail('ERR_DER_BAD_BOOLEAN');
}

export function readNull(_buf: Uint8Array, tlv: Tlv): null {
  expectTag(tlv, Tag.NULL, 'NULL');
  if (tlv.end !== tlv.valueStart) fail('ERR_DER_BAD_NULL');
  return null;
}

export function readOctetString(buf: Uint8Array, tlv: Tlv, tag: number = Tag.OCTET_STRING): Uint8Array {
  expectTag(tlv, tag, 'OCTET STRING');
  return buf.subarray(tlv.valueStart, tlv.end);
}

export interface BitString {
  readonly unusedBits: number;
  /** The octets after the unused-bits octet. */
  readonly bytes: Uint8Array;
}

/** Checks BIT STRING content per DER (X.690 11.2): unused bits 0..7, zero padding, none when empty. */
export function bitStringFromContent(content: Uint8Array): BitString {
  checkBitStringAt(content, 0, content.length);
  return { unusedBits: content[0]!, bytes: content.subarray(1) };
}

/** The checks of `bitStringFromContent` on the content octets `buf[start..end)`, without decoding. */
export function checkBitStringAt(buf: Uint8Array, start: number, end: number): void {
  if (end === start) fail('ERR_DER_BAD_BIT_STRING', 'BIT STRING has no unused-bits octet');
  const unusedBits = buf[start]!;
  if (unusedBits > 7) fail('ERR_DER_BAD_BIT_STRING');
  if (end - start === 1 && unusedBits !== 0) fail('ERR_DER_BAD_BIT_STRING');
  if (unusedBits > 0 && (buf[end - 1]! & ((1 << unusedBits) - 1)) !== 0) {
    fail('ERR_DER_BAD_BIT_STRING', 'BIT STRING padding bits are not zero');
  }
}

export function readBitString(buf: Uint8Array, tlv: Tlv, tag: number = Tag.BIT_STRING): BitString {
  expectTag(tlv, tag, 'BIT STRING');
  return bitStringFromContent(buf.subarray(tlv.valueStart, tlv.end));
}

/** A BIT STRING that must hold whole octets (keys, signatures). */
export function readOctetAlignedBitString(buf: Uint8Array, tlv: Tlv): Uint8Array {
  const bits = readBitString(buf, tlv);
  if (bits.unusedBits !== 0) fail('ERR_DER_BAD_BIT_STRING', 'BIT STRING must hold whole octets here');
  return bits.bytes;
}

const TWO_64 = 1n << 64n;
const TWO_128 = 1n << 128n;

/**
 * OID content octets to dotted form, refusing non-minimal arcs, arcs ≥ 2^64 and oversized OIDs.
 * The one exception is the arc right under 2.25 (X.667: an OID made from a UUID, as Keyline's own
 * arc is), which is a 128-bit integer by definition and may reach 2^128 - 1.
 */
export function oidFromContent(content: Uint8Array): string {
  return oidAt(content, 0, content.length);
}

/**
 * `oidFromContent` of the content octets `buf[start..end)`, without making a view of them: a
 * certificate decode meets two or three dozen OIDs twice (the DER check, then the structure
 * decoder), and creating a typed-array view and a string key for each was most of their cost.
 */
export function oidAt(buf: Uint8Array, start: number, end: number): string {
  // Certificates repeat the same few dozen OIDs; decoding a long one (our 2.25 arc) with BigInt
  // costs ~10 µs, so decoded OIDs are memoised by their content octets (bounded; only valid OIDs).
  // The key is a hash of the octets, each entry keeps its octets, and a hit compares them all: a
  // hash collision costs a miss, never a wrong answer.
  const length = end - start;
  const cacheable = length > 0 && length <= MAX_CACHED_OID_BYTES;
  let hash = 0;
  if (cacheable) {
    hash = octetHash(buf, start, end);
    for (let entry = oidCache.get(hash); entry !== undefined; entry = entry.next) {
      if (sameOctets(entry.octets, buf, start, end)) return entry.dotted;
    }
  }
  const dotted = decodeOidContent(buf.subarray(start, end));
  if (cacheable) {
    if (oidCacheSize >= OID_CACHE_ENTRIES) {
      oidCache.clear();
      oidCacheSize = 0;
    }
    oidCache.set(hash, { octets: buf.slice(start, end), dotted, next: oidCache.get(hash) });
    oidCacheSize++;
  }
  return dotted;
}

const MAX_CACHED_OID_BYTES = 48;
const OID_CACHE_ENTRIES = 4096;

/** A memoised OID; entries whose octets hash alike are chained. */
interface CachedOid {
  readonly octets: Uint8Array;
  readonly dotted: string;
  readonly next: CachedOid | undefined;
}

const oidCache = new Map<number, CachedOid>();
let oidCacheSize = 0;

/** FNV-1a over `buf[start..end)`, as a small integer. */
function octetHash(buf: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  return hash >>> 1;
}

function sameOctets(octets: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (octets.length !== end - start) return false;
  for (let i = 0; i < octets.length; i++) if (octets[i] !== buf[start + i]) return false;
  return true;
}

function decodeOidContent(content: Uint8Array): string {
  if (content.length === 0) fail('ERR_DER_BAD_OID', 'OBJECT IDENTIFIER is empty');
  if (content.length > MAX_OID_BYTES) fail('ERR_DER_OID_TOO_LONG');
  if ((content[content.length - 1]! & 0x80) !== 0) fail('ERR_DER_BAD_OID', 'OBJECT IDENTIFIER ends mid-arc');
  const arcs: string[] = [];
  let value = 0n;
  let startOfArc = true;
  for (const byte of content) {
    if (startOfArc && byte === 0x80) fail('ERR_DER_BAD_OID', 'OBJECT IDENTIFIER arc is not minimally encoded');
    value = (value << 7n) | BigInt(byte & 0x7f);
    if (value >= TWO_64 && (value >= TWO_128 || !isUuidArc(arcs))) fail('ERR_DER_OID_ARC_TOO_LARGE');
    startOfArc = (byte & 0x80) === 0;
    if (startOfArc) {
      if (arcs.length === 0) {
        const first = value < 40n ? 0n : value < 80n ? 1n : 2n;
        arcs.push(first.toString(), (value - first * 40n).toString());
      } else {
        arcs.push(value.toString());
      }
      value = 0n;
    }
  }
  return arcs.join('.');
}

function isUuidArc(arcsSoFar: readonly string[]): boolean {
  return arcsSoFar.length === 2 && arcsSoFar[0] === '2' && arcsSoFar[1] === '25';
}

export function readOid(buf: Uint8Array, tlv: Tlv): string {
  expectTag(tlv, Tag.OID, 'OBJECT IDENTIFIER');
  return oidAt(buf, tlv.valueStart, tlv.end);
}

export function expectTag(tlv: Tlv, tag: number, what: string): void {
  if (tlv.tag !== tag) {
    fail('ERR_DER_UNEXPECTED_TAG', `${what} expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  }
}
