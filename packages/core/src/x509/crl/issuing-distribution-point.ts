import { DerCursor } from '../der/cursor.js';
import { Tag, contextConstructed, contextPrimitive } from '../der/tags.js';
import { contentOf, readTlv, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import * as der from '../der/writer.js';
import { badExtension, cannotEncode, decodeExtensionValue, isSingleDerElement } from '../extensions/decode-value.js';
import { encodeReasonFlags } from '../extensions/crl-distribution-points.js';
import { encodeGeneralNames, readGeneralNames } from '../extensions/general-name.js';
import { namedBitsFromContent } from '../extensions/named-bits.js';
import { REASON_FLAG_NAMES, type GeneralName, type ReasonFlag } from '../extensions/types.js';
import { readName } from '../name/parse.js';

const EXT = 'issuingDistributionPoint';

/** DistributionPointName (RFC 5280 4.2.1.13): a full name, or a name relative to the CRL issuer. */
export type DistributionPointName =
  | { readonly fullName: readonly GeneralName[] }
  /** DER of the RelativeDistinguishedName as a SET (tag 0x31), whatever tag carried it. */
  | { readonly nameRelativeToCRLIssuer: Uint8Array };

/** The issuingDistributionPoint CRL extension (RFC 5280 5.2.5), decoded; flags default to false. */
export interface IssuingDistributionPoint {
  readonly distributionPoint?: DistributionPointName;
  readonly onlyContainsUserCerts: boolean;
  readonly onlyContainsCACerts: boolean;
  readonly onlySomeReasons?: ReadonlySet<ReasonFlag>;
  readonly indirectCRL: boolean;
  readonly onlyContainsAttributeCerts: boolean;
}

/** What `encodeIssuingDistributionPoint` takes: every flag optional (absent = false). */
export interface IssuingDistributionPointInput {
  readonly distributionPoint?: DistributionPointName;
  readonly onlyContainsUserCerts?: boolean;
  readonly onlyContainsCACerts?: boolean;
  readonly onlySomeReasons?: ReadonlySet<ReasonFlag>;
  readonly indirectCRL?: boolean;
  readonly onlyContainsAttributeCerts?: boolean;
}

/**
 * Decodes an issuingDistributionPoint extnValue. Strict per RFC 5280 5.2.5 and DER: fields in order,
 * DEFAULT FALSE booleans never encoded as FALSE (X.690 11.5), at most one of the three
 * onlyContains… flags TRUE, and not an empty SEQUENCE. Errors: ERR_X509_BAD_EXTENSION, ERR_DER_*.
 */
export function decodeIssuingDistributionPoint(value: Uint8Array): IssuingDistributionPoint {
  return decodeExtensionValue(value, EXT, (buf, top) => {
    if (top.tag !== Tag.SEQUENCE) badExtension(EXT, 'must be a SEQUENCE');
    const c = DerCursor.inside(buf, top, EXT);
    if (c.done) badExtension(EXT, 'must not be an empty SEQUENCE (RFC 5280 5.2.5)');
    const dpTlv = c.optional(contextConstructed(0));
    const distributionPoint = dpTlv && readDistributionPointName(buf, dpTlv);
    const onlyContainsUserCerts = readDefaultFalse(buf, c.optional(contextPrimitive(1)), 'onlyContainsUserCerts');
    const onlyContainsCACerts = readDefaultFalse(buf, c.optional(contextPrimitive(2)), 'onlyContainsCACerts');
    const reasonsTlv = c.optional(contextPrimitive(3));
    const onlySomeReasons = reasonsTlv && namedBitsFromContent(contentOf(buf, reasonsTlv), REASON_FLAG_NAMES, EXT);
    const indirectCRL = readDefaultFalse(buf, c.optional(contextPrimitive(4)), 'indirectCRL');
    const onlyContainsAttributeCerts = readDefaultFalse(
      buf,
      c.optional(contextPrimitive(5)),
      'onlyContainsAttributeCerts',
    );
    c.finish();
    checkExclusive(onlyContainsUserCerts, onlyContainsCACerts, onlyContainsAttributeCerts, badExtension);
    return {
      ...(distributionPoint && { distributionPoint }),
      onlyContainsUserCerts,
      onlyContainsCACerts,
      ...(onlySomeReasons && { onlySomeReasons }),
      indirectCRL,
      onlyContainsAttributeCerts,
    };
  });
}

/** DER of an issuingDistributionPoint extnValue; refuses what the decoder would refuse (ERR_X509_BUILD_INVALID). */
export function encodeIssuingDistributionPoint(input: IssuingDistributionPointInput): Uint8Array {
  const user = input.onlyContainsUserCerts === true;
  const ca = input.onlyContainsCACerts === true;
  const attr = input.onlyContainsAttributeCerts === true;
  checkExclusive(user, ca, attr, cannotEncode);
  const parts: Uint8Array[] = [];
  if (input.distributionPoint !== undefined)
    parts.push(der.explicit(0, encodeDistributionPointName(input.distributionPoint)));
  if (user) parts.push(der.tlv(contextPrimitive(1), Uint8Array.of(0xff)));
  if (ca) parts.push(der.tlv(contextPrimitive(2), Uint8Array.of(0xff)));
  if (input.onlySomeReasons !== undefined) parts.push(encodeReasonFlags(input.onlySomeReasons, contextPrimitive(3)));
  if (input.indirectCRL === true) parts.push(der.tlv(contextPrimitive(4), Uint8Array.of(0xff)));
  if (attr) parts.push(der.tlv(contextPrimitive(5), Uint8Array.of(0xff)));
  if (parts.length === 0) cannotEncode(EXT, 'would be an empty SEQUENCE (RFC 5280 5.2.5)');
  return der.seq(...parts);
}

function checkExclusive(
  user: boolean,
  ca: boolean,
  attr: boolean,
  refuse: (extension: string, message: string) => never,
): void {
  // RFC 5280 5.2.5: "at most one of onlyContainsUserCerts, onlyContainsCACerts, and
  // onlyContainsAttributeCerts may be set to TRUE".
  if (Number(user) + Number(ca) + Number(attr) > 1) refuse(EXT, 'at most one onlyContains… flag may be TRUE');
}

function readDistributionPointName(buf: Uint8Array, wrapper: Tlv): DistributionPointName {
  // distributionPoint [0] DistributionPointName: EXPLICIT, because DistributionPointName is a CHOICE.
  const c = DerCursor.inside(buf, wrapper, 'distributionPoint');
  const choice = c.next();
  c.finish();
  if (choice.tag === contextConstructed(0)) return { fullName: readGeneralNames(buf, choice) };
  if (choice.tag === contextConstructed(1)) {
    // Checked as it would be inside a Name (non-empty, DER-sorted attributes), then kept as a SET.
    const asSet = der.tlv(Tag.SET, contentOf(buf, choice));
    const wrapped = der.seq(asSet);
    readName(wrapped, readTlv(wrapped, 0, wrapped.length));
    return { nameRelativeToCRLIssuer: asSet };
  }
  return badExtension(EXT, `DistributionPointName has tag 0x${choice.tag.toString(16)}`);
}

function encodeDistributionPointName(name: DistributionPointName): Uint8Array {
  if ('fullName' in name) return encodeGeneralNames(name.fullName, contextConstructed(0));
  const rdn = name.nameRelativeToCRLIssuer;
  if (rdn[0] !== Tag.SET || !isSingleDerElement(rdn))
    cannotEncode(EXT, 'nameRelativeToCRLIssuer must be the DER of a SET');
  // [1] IMPLICIT RelativeDistinguishedName: the SET's content under the context tag.
  return der.tlv(contextConstructed(1), contentOf(rdn, parseDer(rdn)));
}

function readDefaultFalse(buf: Uint8Array, tlv: Tlv | undefined, field: string): boolean {
  if (tlv === undefined) return false;
  // parseDer does not look under IMPLICIT tags, so the BOOLEAN content is checked here.
  const content = contentOf(buf, tlv);
  if (content.length !== 1 || (content[0] !== 0x00 && content[0] !== 0xff))
    badExtension(EXT, `${field} is not a DER BOOLEAN`);
  if (content[0] === 0x00) badExtension(EXT, `${field} encodes its DEFAULT FALSE, which DER omits`);
  return true;
}
