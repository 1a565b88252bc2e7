import { fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { readOid } from '../der/primitives.js';
import { isStringTag, stringFromContent } from '../der/strings.js';
import { Tag } from '../der/tags.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import type { Name, NameAttribute } from './types.js';

/** Decodes a Name (RDNSequence) at `tlv`. Attribute values that are not strings keep their DER as hex. */
export function readName(buf: Uint8Array, tlv: Tlv): Name {
  if (tlv.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_NAME', 'Name must be a SEQUENCE');
  const rdns: NameAttribute[][] = [];
  const outer = DerCursor.inside(buf, tlv, 'Name');
  while (!outer.done) {
    const setTlv = outer.next();
    if (setTlv.tag !== Tag.SET) fail('ERR_X509_BAD_NAME', 'RelativeDistinguishedName must be a SET');
    const set = DerCursor.inside(buf, setTlv, 'RelativeDistinguishedName');
    const rdn: NameAttribute[] = [];
    let previous: Tlv | undefined;
    while (!set.done) {
      const atvTlv = set.next();
      if (previous !== undefined && compareEncodings(buf, previous, atvTlv) > 0) {
        fail('ERR_DER_BAD_SET_ORDER', 'attributes of a RelativeDistinguishedName are not in DER order');
      }
      previous = atvTlv;
      rdn.push(readAttribute(buf, atvTlv));
    }
    if (rdn.length === 0) fail('ERR_X509_BAD_NAME', 'RelativeDistinguishedName is empty');
    rdns.push(rdn);
  }
  return { der: encodingOf(buf, tlv), rdns };
}

/**
 * `Buffer.compare` of the whole encodings of `a` and `b` (X.690 11.6 orders SET OF elements so),
 * read in place: most RDNs hold one attribute, and a view per attribute only to compare was waste.
 */
function compareEncodings(buf: Uint8Array, a: Tlv, b: Tlv): number {
  const aLength = a.end - a.start;
  const bLength = b.end - b.start;
  const common = Math.min(aLength, bLength);
  for (let i = 0; i < common; i++) {
    const diff = buf[a.start + i]! - buf[b.start + i]!;
    if (diff !== 0) return diff;
  }
  return aLength - bLength;
}

function readAttribute(buf: Uint8Array, tlv: Tlv): NameAttribute {
  if (tlv.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_NAME', 'AttributeTypeAndValue must be a SEQUENCE');
  const c = DerCursor.inside(buf, tlv, 'AttributeTypeAndValue');
  const type = readOid(buf, c.expect(Tag.OID, 'type'));
  const valueTlv = c.next();
  c.finish();
  const content = buf.subarray(valueTlv.valueStart, valueTlv.end);
  if (isStringTag(valueTlv.tag)) return { type, tag: valueTlv.tag, value: stringFromContent(valueTlv.tag, content) };
  // Non-string values (rare) are kept as '#' + hex of their DER, as RFC 4514 section 2.4 renders them.
  return { type, tag: valueTlv.tag, value: `#${Buffer.from(encodingOf(buf, valueTlv)).toString('hex')}` };
}
