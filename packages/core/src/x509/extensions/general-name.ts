import { fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { oidFromContent, readOid } from '../der/primitives.js';
import { ascii } from '../der/strings.js';
import { Tag, isConstructed } from '../der/tags.js';
import { contentOf, encodingOf, type Tlv } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { formatName, type FormatNameOptions } from '../name/format.js';
import { readName } from '../name/parse.js';
import { OID } from '../oids.js';
import { isSingleDerElement } from './decode-value.js';
import { readHardwareModuleName } from './hardware-module-name.js';
import { formatIpAddress } from './ip-address.js';
import type { GeneralName } from './types.js';

/**
 * Identifier octets of the GeneralName alternatives (RFC 5280 4.2.1.6, an IMPLICIT-tagged module):
 * IA5String, OCTET STRING and OID alternatives are primitive; otherName, ORAddress, EDIPartyName
 * are SEQUENCEs (constructed); directoryName is EXPLICIT because Name is a CHOICE.
 */
export const GeneralNameTag = {
  otherName: 0xa0,
  rfc822Name: 0x81,
  dNSName: 0x82,
  x400Address: 0xa3,
  directoryName: 0xa4,
  ediPartyName: 0xa5,
  uniformResourceIdentifier: 0x86,
  iPAddress: 0x87,
  registeredID: 0x88,
} as const;

/** Octet lengths accepted for iPAddress: IPv4/IPv6 addresses, and address+mask in name constraints. */
const IP_LENGTHS = new Set([4, 16, 8, 32]);

function bad(message: string): never {
  return fail('ERR_X509_BAD_GENERAL_NAME', message);
}

/**
 * Decodes one GeneralName at `tlv`. Strict: unknown tags, constructed IA5/OCTET STRING forms,
 * non-ASCII IA5 content and iPAddress lengths other than 4, 16, 8 or 32 are refused
 * (ERR_X509_BAD_GENERAL_NAME or ERR_DER_*). Whether 8/32-octet values belong where they appear
 * (only in name constraints) is the caller's to check. x400Address and ediPartyName are kept as
 * their whole DER (`raw`, tag included). An otherName whose type-id is id-on-hardwareModuleName
 * must hold a well-formed RFC 4108 HardwareModuleName and gets `hardwareModuleName` set.
 * Byte values are views into `buf`, not copies.
 */
export function readGeneralName(buf: Uint8Array, tlv: Tlv): GeneralName {
  switch (tlv.tag) {
    case GeneralNameTag.otherName: {
      // OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY DEFINED BY type-id }
      const c = DerCursor.inside(buf, tlv, 'otherName');
      const typeId = readOid(buf, c.expect(Tag.OID, 'type-id'));
      const wrapper = c.expect(0xa0, 'value');
      c.finish();
      const inner = DerCursor.inside(buf, wrapper, 'otherName value');
      const valueTlv = inner.next();
      inner.finish();
      const value = encodingOf(buf, valueTlv);
      if (typeId === OID.hardwareModuleName) {
        return { type: 'otherName', typeId, value, hardwareModuleName: readHardwareModuleName(buf, valueTlv) };
      }
      return { type: 'otherName', typeId, value };
    }
    case GeneralNameTag.rfc822Name:
      return { type: 'email', value: ascii(contentOf(buf, tlv)) };
    case GeneralNameTag.dNSName:
      return { type: 'dns', value: ascii(contentOf(buf, tlv)) };
    case GeneralNameTag.uniformResourceIdentifier:
      return { type: 'uri', value: ascii(contentOf(buf, tlv)) };
    case GeneralNameTag.x400Address:
      return { type: 'x400Address', raw: encodingOf(buf, tlv) };
    case GeneralNameTag.ediPartyName:
      return { type: 'ediPartyName', raw: encodingOf(buf, tlv) };
    case GeneralNameTag.directoryName: {
      const c = DerCursor.inside(buf, tlv, 'directoryName');
      const name = readName(buf, c.expect(Tag.SEQUENCE, 'Name'));
      c.finish();
      return { type: 'directoryName', value: name };
    }
    case GeneralNameTag.iPAddress: {
      const value = contentOf(buf, tlv);
      if (!IP_LENGTHS.has(value.length)) bad(`iPAddress has ${value.length} octets; expected 4, 16, 8 or 32`);
      return { type: 'ip', value };
    }
    case GeneralNameTag.registeredID:
      return { type: 'registeredId', value: oidFromContent(contentOf(buf, tlv)) };
    default:
      return bad(`GeneralName has tag 0x${tlv.tag.toString(16)}, which is no GeneralName alternative in DER`);
  }
}

/**
 * Decodes `GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName` at `tlv`. Its tag is not checked
 * here, since GeneralNames appears as a SEQUENCE (subjectAltName) and under IMPLICIT context tags
 * (authorityCertIssuer [1], fullName [0], cRLIssuer [2]); callers check it. Empty is refused.
 */
export function readGeneralNames(buf: Uint8Array, tlv: Tlv): GeneralName[] {
  if (!isConstructed(tlv.tag)) bad('GeneralNames must be constructed');
  const c = DerCursor.inside(buf, tlv, 'GeneralNames');
  const names: GeneralName[] = [];
  while (!c.done) names.push(readGeneralName(buf, c.next()));
  if (names.length === 0) bad('GeneralNames is empty; it is SIZE (1..MAX)');
  return names;
}

function cannot(message: string): never {
  return fail('ERR_X509_BUILD_INVALID', message);
}

function ia5Octets(text: string, what: string): Uint8Array {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) cannot(`${what} must be IA5 (7-bit ASCII); encode IDNs as A-labels`);
  }
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

/** DER of one GeneralName. Refuses values that would not decode back (ERR_X509_BUILD_INVALID). */
export function encodeGeneralName(gn: GeneralName): Uint8Array {
  switch (gn.type) {
    case 'email':
      return der.tlv(GeneralNameTag.rfc822Name, ia5Octets(gn.value, 'rfc822Name'));
    case 'dns':
      return der.tlv(GeneralNameTag.dNSName, ia5Octets(gn.value, 'dNSName'));
    case 'uri':
      return der.tlv(GeneralNameTag.uniformResourceIdentifier, ia5Octets(gn.value, 'uniformResourceIdentifier'));
    case 'ip':
      if (!IP_LENGTHS.has(gn.value.length)) cannot(`iPAddress must have 4, 16, 8 or 32 octets, not ${gn.value.length}`);
      return der.tlv(GeneralNameTag.iPAddress, gn.value);
    case 'directoryName':
      if (!isSingleDerElement(gn.value.der) || gn.value.der[0] !== Tag.SEQUENCE)
        cannot('directoryName DER is not a Name');
      return der.tlv(GeneralNameTag.directoryName, gn.value.der);
    case 'registeredId':
      return der.oid(gn.value, GeneralNameTag.registeredID);
    case 'otherName':
      if (!isSingleDerElement(gn.value)) cannot('otherName value must be exactly one DER element');
      return der.tlv(GeneralNameTag.otherName, der.concat([der.oid(gn.typeId), der.explicit(0, gn.value)]));
    case 'x400Address':
    case 'ediPartyName': {
      const tag = gn.type === 'x400Address' ? GeneralNameTag.x400Address : GeneralNameTag.ediPartyName;
      if (gn.raw[0] !== tag || !isSingleDerElement(gn.raw))
        cannot(`${gn.type} raw DER must be one [${tag & 0x1f}] element`);
      return Uint8Array.from(gn.raw);
    }
    default:
      throw new TypeError(`unknown GeneralName type ${(gn as { type: unknown }).type as string}`);
  }
}

/**
 * DER of GeneralNames (SIZE 1..MAX): a SEQUENCE by default, or `tag` for the IMPLICIT context-tagged
 * places it appears ([1] authorityCertIssuer 0xa1, [0] fullName 0xa0, [2] cRLIssuer 0xa2).
 */
export function encodeGeneralNames(names: readonly GeneralName[], tag: number = Tag.SEQUENCE): Uint8Array {
  if (names.length === 0) cannot('GeneralNames must hold at least one name');
  return der.tlv(tag, der.concat(names.map(encodeGeneralName)));
}

/**
 * One-line text of a GeneralName for messages and display, in OpenSSL's style
 * (`DNS:example.com`, `IP:192.0.2.1`, `URI:…`, `email:…`, `DirName:` + RFC 4514 string).
 * Not a parseable syntax.
 */
export function formatGeneralName(gn: GeneralName, options?: FormatNameOptions): string {
  switch (gn.type) {
    case 'dns':
      return `DNS:${gn.value}`;
    case 'email':
      return `email:${gn.value}`;
    case 'uri':
      return `URI:${gn.value}`;
    case 'ip':
      return `IP:${formatIpAddress(gn.value)}`;
    case 'directoryName':
      return `DirName:${formatName(gn.value, options)}`;
    case 'registeredId':
      return `RID:${gn.value}`;
    case 'otherName':
      if (gn.hardwareModuleName !== undefined) {
        const serial = Buffer.from(gn.hardwareModuleName.hwSerialNum).toString('hex');
        return `othername:hardwareModuleName:${gn.hardwareModuleName.hwType}:${serial}`;
      }
      return `othername:${gn.typeId}:#${Buffer.from(gn.value).toString('hex')}`;
    case 'x400Address':
    case 'ediPartyName':
      return `${gn.type}:#${Buffer.from(gn.raw).toString('hex')}`;
  }
}
