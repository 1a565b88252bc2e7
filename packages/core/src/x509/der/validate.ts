import { fail } from '../../errors/keyline-error.js';
import { DEFAULT_LIMITS, type DerLimits } from './limits.js';
import { checkBitStringAt, checkIntegerAt, oidAt } from './primitives.js';
import { checkAsciiStringAt, stringFromContent } from './strings.js';
import { CLASS_MASK, Tag, isConstructed } from './tags.js';
import { generalizedTimeFromContent, utcTimeFromContent } from './time.js';
import { readTlv, readTlvInto, type MutableTlv, type Tlv } from './tlv.js';

/**
 * Parses `buf` as exactly one DER element and checks the whole tree once, iteratively (no
 * recursion, so depth cannot overflow the stack): lengths, nesting depth, element count, and the
 * content rules of every universal primitive type (INTEGER, BOOLEAN, NULL, BIT STRING, OID, times,
 * strings). Types hidden behind IMPLICIT context tags are checked by the structure decoders.
 * Returns the top-level element.
 */
export function parseDer(buf: Uint8Array, limits: DerLimits = DEFAULT_LIMITS): Tlv {
  if (!(buf instanceof Uint8Array)) throw new TypeError('DER input must be a Uint8Array');
  if (buf.length > limits.maxBytes)
    fail('ERR_DER_TOO_LARGE', `DER input of ${buf.length} bytes exceeds ${limits.maxBytes}`);
  if (buf.length === 0) fail('ERR_DER_TRUNCATED', 'DER input is empty');
  const top = readTlv(buf, 0, buf.length);
  if (top.end !== buf.length) fail('ERR_DER_TRAILING_BYTES');

  let elements = 0;
  // The constructed elements being walked: where the next child starts, where each ends.
  const positions: number[] = [];
  const ends: number[] = [];
  const visit = (tlv: Tlv): void => {
    if (++elements > limits.maxElements) fail('ERR_DER_TOO_MANY_ELEMENTS');
    if (isConstructed(tlv.tag)) {
      if (isPrimitiveOnly(tlv.tag)) fail('ERR_DER_CONSTRUCTED_PRIMITIVE');
      if (positions.length >= limits.maxDepth) fail('ERR_DER_TOO_DEEP');
      positions.push(tlv.valueStart);
      ends.push(tlv.end);
    } else {
      checkPrimitive(buf, tlv);
    }
  };
  visit(top);
  // One element object for every child: nothing keeps a child after it is visited.
  const child: MutableTlv = { tag: 0, start: 0, valueStart: 0, end: 0 };
  while (positions.length > 0) {
    const depth = positions.length - 1;
    if (positions[depth]! >= ends[depth]!) {
      positions.pop();
      ends.pop();
      continue;
    }
    readTlvInto(buf, positions[depth]!, ends[depth]!, child);
    positions[depth] = child.end;
    visit(child);
  }
  return top;
}

function checkPrimitive(buf: Uint8Array, tlv: Tlv): void {
  if ((tlv.tag & CLASS_MASK) !== 0) return;
  const { valueStart: start, end } = tlv;
  // The commonest types are checked in place; a view of the content is made only for the rest.
  switch (tlv.tag) {
    case Tag.INTEGER:
    case Tag.ENUMERATED:
      return checkIntegerAt(buf, start, end);
    case Tag.BOOLEAN:
      if (end - start !== 1 || (buf[start] !== 0 && buf[start] !== 0xff)) fail('ERR_DER_BAD_BOOLEAN');
      return;
    case Tag.NULL:
      if (end !== start) fail('ERR_DER_BAD_NULL');
      return;
    case Tag.BIT_STRING:
      checkBitStringAt(buf, start, end);
      return;
    case Tag.OID:
      oidAt(buf, start, end);
      return;
    case Tag.PRINTABLE_STRING:
    case Tag.IA5_STRING:
      checkAsciiStringAt(tlv.tag, buf, start, end);
      return;
    case Tag.UTC_TIME:
    case Tag.GENERALIZED_TIME:
    case Tag.UTF8_STRING:
    case Tag.BMP_STRING:
    case Tag.UNIVERSAL_STRING:
      return checkDecodable(tlv.tag, buf.subarray(start, end));
    default:
      return;
  }
}

/** The time and string types: checked by decoding them. */
function checkDecodable(tag: number, content: Uint8Array): void {
  switch (tag) {
    case Tag.UTC_TIME:
      utcTimeFromContent(content);
      return;
    case Tag.GENERALIZED_TIME:
      // Fractional seconds are legal in GeneralizedTime outside certificates (OCSP); the
      // certificate decoder applies RFC 5280's stricter form itself.
      if (content.length > 15) return;
      generalizedTimeFromContent(content);
      return;
    case Tag.UTF8_STRING:
    case Tag.BMP_STRING:
    case Tag.UNIVERSAL_STRING:
      stringFromContent(tag, content);
      return;
    default:
      return;
  }
}

/** Universal types that DER requires in primitive form; a constructed encoding of these is BER. */
export function isPrimitiveOnly(tag: number): boolean {
  const base = tag & ~0x20;
  return (tag & CLASS_MASK) === 0 && isConstructed(tag) && base !== 0x10 && base !== 0x11;
}
