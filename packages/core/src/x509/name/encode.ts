import { fail } from '../../errors/keyline-error.js';
import { isStringTag } from '../der/strings.js';
import { Tag } from '../der/tags.js';
import { parseDer } from '../der/validate.js';
import * as der from '../der/writer.js';
import { OID } from '../oids.js';
import { attributeTypeOid } from './attribute-types.js';

/** One attribute to encode. `type` is a dotted OID or a known short/long name; `tag` picks the string type. */
export interface NameAttributeInput {
  readonly type: string;
  readonly value: string;
  /**
   * The value's identifier octet: a string type (UTF8String 0x0c, PrintableString 0x13, IA5String
   * 0x16, …) or, for a non-string value, its tag with `value` written as `#` + hex of its DER (the
   * form `readName` returns). When omitted, see {@link defaultStringTag}.
   */
  readonly tag?: number;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Types X.520 / RFC 5280 Appendix A define as PrintableString. */
const PRINTABLE_TYPES: ReadonlySet<string> = new Set([OID.countryName, OID.serialNumber, OID.dnQualifier]);
/** Types defined as IA5String: emailAddress (PKCS #9) and domainComponent (RFC 4519). */
const IA5_TYPES: ReadonlySet<string> = new Set([OID.emailAddress, OID.domainComponent]);

function cannot(message: string): never {
  return fail('ERR_X509_BUILD_INVALID', message);
}

/**
 * The string type used when none is given: PrintableString for countryName, serialNumber and
 * dnQualifier when the value fits its alphabet; IA5String for emailAddress and domainComponent
 * (their ASN.1 types); UTF8String otherwise (RFC 5280 4.1.2.4: "CAs MUST use UTF8String" for new
 * DirectoryString values). OpenSSL makes the same choices.
 */
export function defaultStringTag(typeOid: string, value: string): number {
  if (PRINTABLE_TYPES.has(typeOid) && PRINTABLE.test(value)) return Tag.PRINTABLE_STRING;
  if (IA5_TYPES.has(typeOid)) return Tag.IA5_STRING;
  return Tag.UTF8_STRING;
}

function codeUnits(value: string, max: number, what: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > max) cannot(`${what} cannot hold U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
    out[i] = c;
  }
  return out;
}

/** The content octets of `value` as the string type `tag`, refusing characters the type cannot hold. */
export function stringContent(tag: number, value: string): Uint8Array {
  switch (tag) {
    case Tag.UTF8_STRING:
      if (LONE_SURROGATE.test(value)) cannot('UTF8String value holds a lone surrogate');
      return new TextEncoder().encode(value);
    case Tag.PRINTABLE_STRING:
      if (!PRINTABLE.test(value)) cannot(`"${value.slice(0, 40)}" has characters PrintableString does not allow`);
      return codeUnits(value, 0x7f, 'PrintableString');
    case Tag.IA5_STRING:
      return codeUnits(value, 0x7f, 'IA5String');
    case Tag.VISIBLE_STRING:
      if (!/^[\x20-\x7e]*$/.test(value)) cannot('VisibleString holds only printable ASCII');
      return codeUnits(value, 0x7e, 'VisibleString');
    case Tag.TELETEX_STRING:
      // Decoded as Latin-1 (what deployed software does), so encoded back the same way.
      return codeUnits(value, 0xff, 'TeletexString');
    case Tag.BMP_STRING: {
      const out = new Uint8Array(value.length * 2);
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        out[2 * i] = c >> 8;
        out[2 * i + 1] = c & 0xff;
      }
      return out;
    }
    case Tag.UNIVERSAL_STRING: {
      if (LONE_SURROGATE.test(value)) cannot('UniversalString value holds a lone surrogate');
      const points = Array.from(value, (ch) => ch.codePointAt(0)!);
      const out = new Uint8Array(points.length * 4);
      points.forEach((cp, i) => {
        out[4 * i] = 0;
        out[4 * i + 1] = cp >> 16;
        out[4 * i + 2] = (cp >> 8) & 0xff;
        out[4 * i + 3] = cp & 0xff;
      });
      return out;
    }
    default:
      return cannot(`tag 0x${tag.toString(16)} is not a string type`);
  }
}

function encodeValue(typeOid: string, value: string, tag: number | undefined): Uint8Array {
  const chosen = tag ?? defaultStringTag(typeOid, value);
  if (isStringTag(chosen)) return der.tlv(chosen, stringContent(chosen, value));
  // A non-string value travels as '#' + hex of its complete DER (RFC 4514 section 2.4).
  if (!/^#(?:[0-9A-Fa-f]{2})+$/.test(value))
    cannot(`a value with tag 0x${chosen.toString(16)} must be '#' + hex of its DER`);
  const encoded = new Uint8Array(Buffer.from(value.slice(1), 'hex'));
  try {
    parseDer(encoded);
  } catch {
    cannot('attribute value DER is malformed');
  }
  if (encoded[0] !== chosen)
    cannot(`attribute value DER has tag 0x${encoded[0]!.toString(16)}, not 0x${chosen.toString(16)}`);
  return encoded;
}

/** DER of one AttributeTypeAndValue. */
export function encodeAttribute(attribute: NameAttributeInput): Uint8Array {
  const oid = attributeTypeOid(attribute.type) ?? cannot(`unknown attribute type "${attribute.type.slice(0, 40)}"`);
  return der.seq(der.oid(oid), encodeValue(oid, attribute.value, attribute.tag));
}

/**
 * DER of a Name (RDNSequence) from its RDNs, first RDN first (the order they appear in the
 * certificate, which is the reverse of an RFC 4514 string). Each RDN is a SET OF, sorted as DER
 * requires (X.690 11.6); an empty RDN is refused. `encodeName(readName(…).rdns)` reproduces the
 * original bytes for DER input. Throws ERR_X509_BUILD_INVALID for values their string type cannot
 * hold or unknown type names.
 */
export function encodeName(rdns: ReadonlyArray<ReadonlyArray<NameAttributeInput>>): Uint8Array {
  return der.seq(
    ...rdns.map((rdn) => {
      if (rdn.length === 0) cannot('a RelativeDistinguishedName needs at least one attribute');
      return der.setOf(...rdn.map(encodeAttribute));
    }),
  );
}
