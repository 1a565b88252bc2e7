import { fail } from '../../errors/keyline-error.js';
import { readExtensionList } from '../certificate/extensions.js';
import { DerCursor } from '../der/cursor.js';
import { compareBytes } from '../der/writer.js';
import { readOid } from '../der/primitives.js';
import { isStringTag, stringFromContent } from '../der/strings.js';
import { Tag } from '../der/tags.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import type { Extension } from '../extensions/types.js';
import { OID } from '../oids.js';

/** One attribute of a certification request (RFC 2986 section 4.1), values kept as DER. */
export interface CsrAttribute {
  readonly oid: string;
  /** DER of each AttributeValue, in encoded (DER-sorted) order. */
  readonly values: readonly Uint8Array[];
}

/** The attributes of a CSR, with the two PKCS #9 ones Keyline understands decoded. */
export interface CsrAttributes {
  readonly all: readonly CsrAttribute[];
  /** extensionRequest (PKCS #9, RFC 2985 5.4.2), decoded. Empty when the attribute is absent. */
  readonly extensions: readonly Extension[];
  /** challengePassword (RFC 2985 5.4.1), when present. */
  readonly challengePassword: string | undefined;
}

/**
 * Reads `attributes [0] IMPLICIT SET OF Attribute` (RFC 2986 4.1). The SET OF must be in DER order
 * (X.690 11.6), each type may appear once, each attribute has at least one value, and the two
 * single-valued PKCS #9 attributes (extensionRequest, challengePassword) have exactly one.
 */
export function readCsrAttributes(buf: Uint8Array, tlv: Tlv): CsrAttributes {
  const set = DerCursor.inside(buf, tlv, 'attributes');
  const all: CsrAttribute[] = [];
  const seen = new Set<string>();
  let extensions: readonly Extension[] = [];
  let challengePassword: string | undefined;
  let previous: Uint8Array | undefined;
  while (!set.done) {
    const attrTlv = set.expect(Tag.SEQUENCE, 'Attribute');
    previous = checkSetOrder(previous, encodingOf(buf, attrTlv), 'attributes');
    const attr = DerCursor.inside(buf, attrTlv, 'Attribute');
    const oid = readOid(buf, attr.expect(Tag.OID, 'type'));
    if (seen.has(oid)) fail('ERR_X509_BAD_CSR', `CSR attribute ${oid} appears more than once`);
    seen.add(oid);
    const valuesTlv = attr.expect(Tag.SET, 'values');
    attr.finish();
    const values = DerCursor.inside(buf, valuesTlv, 'AttributeValues');
    const items: Tlv[] = [];
    let previousValue: Uint8Array | undefined;
    while (!values.done) {
      const item = values.next();
      previousValue = checkSetOrder(previousValue, encodingOf(buf, item), 'attribute values');
      items.push(item);
    }
    if (items.length === 0) fail('ERR_X509_BAD_CSR', `CSR attribute ${oid} has no value`);
    if (oid === OID.extensionRequest) {
      extensions = readExtensionRequest(buf, items);
    } else if (oid === OID.challengePassword) {
      challengePassword = readChallengePassword(buf, items);
    }
    all.push({ oid, values: items.map((item) => encodingOf(buf, item)) });
  }
  return { all, extensions, challengePassword };
}

function readExtensionRequest(buf: Uint8Array, items: readonly Tlv[]): readonly Extension[] {
  const [only] = items;
  if (items.length !== 1 || only === undefined)
    fail('ERR_X509_BAD_CSR', 'extensionRequest must have exactly one value');
  if (only.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_CSR', 'extensionRequest value must be a SEQUENCE of Extension');
  return readExtensionList(buf, only);
}

function readChallengePassword(buf: Uint8Array, items: readonly Tlv[]): string {
  const [only] = items;
  if (items.length !== 1 || only === undefined)
    fail('ERR_X509_BAD_CSR', 'challengePassword must have exactly one value');
  // RFC 2985 5.4.1: DirectoryString (PrintableString, UTF8String, …) of 1 to 255 characters.
  if (!isStringTag(only.tag)) fail('ERR_X509_BAD_CSR', 'challengePassword must be a directory string');
  const text = stringFromContent(only.tag, buf.subarray(only.valueStart, only.end));
  if (text.length === 0 || text.length > 255) fail('ERR_X509_BAD_CSR', 'challengePassword must be 1 to 255 characters');
  return text;
}

function checkSetOrder(previous: Uint8Array | undefined, current: Uint8Array, what: string): Uint8Array {
  if (previous !== undefined && compareBytes(previous, current) > 0) {
    fail('ERR_DER_BAD_SET_ORDER', `CSR ${what} are not in DER SET OF order`);
  }
  return current;
}
