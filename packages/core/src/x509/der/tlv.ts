import { fail } from '../../errors/keyline-error.js';

/**
 * One decoded element: its identifier octet and where its header and content sit in the buffer.
 * Offsets, not copies, so that views can keep the exact original bytes (e.g. the TBS to verify).
 */
export interface Tlv {
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly valueStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

/**
 * Reads the element header at `offset` and checks it against DER (X.690 10.1): definite lengths
 * only, in the fewest octets, and within `limit` (the end of the enclosing element).
 */
export function readTlv(buf: Uint8Array, offset: number, limit: number): Tlv {
  return readTlvInto(buf, offset, limit, { tag: 0, start: 0, valueStart: 0, end: 0 });
}

/** A Tlv a walker fills again for each element (`readTlvInto`). */
export interface MutableTlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

/**
 * `readTlv` that writes the element into `out` and returns it: a walker that looks at each element
 * once (the DER check of a whole certificate, about a hundred of them) keeps one object instead of
 * making one per element.
 */
export function readTlvInto(buf: Uint8Array, offset: number, limit: number, out: MutableTlv): MutableTlv {
  if (offset >= limit) fail('ERR_DER_TRUNCATED', 'DER input ends where an element was expected');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) fail('ERR_DER_HIGH_TAG_NUMBER');
  if (offset + 1 >= limit) fail('ERR_DER_TRUNCATED', 'DER element has no length octets');
  const first = buf[offset + 1]!;
  let pos = offset + 2;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    fail('ERR_DER_INDEFINITE_LENGTH');
  } else {
    const count = first & 0x7f;
    if (count > 4) fail('ERR_DER_LENGTH_TOO_LARGE', 'DER length uses more than four octets');
    if (pos + count > limit) fail('ERR_DER_TRUNCATED', 'DER length octets run past the input');
    if (buf[pos] === 0) fail('ERR_DER_NON_MINIMAL_LENGTH');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos + i]!;
    if (length < 0x80) fail('ERR_DER_NON_MINIMAL_LENGTH');
    pos += count;
  }
  const end = pos + length;
  if (end > limit) fail('ERR_DER_LENGTH_TOO_LARGE', 'DER length runs past the end of its container');
  out.tag = tag;
  out.start = offset;
  out.valueStart = pos;
  out.end = end;
  return out;
}

export function tlvLength(tlv: Tlv): number {
  return tlv.end - tlv.valueStart;
}

/** The content octets of an element (a view, not a copy). */
export function contentOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.valueStart, tlv.end);
}

/** The whole encoding of an element, header included (a view, not a copy). */
export function encodingOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}
