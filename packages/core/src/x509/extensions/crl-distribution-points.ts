import { DerCursor } from '../der/cursor.js';
import { Tag } from '../der/tags.js';
import { contentOf, readTlv, type Tlv } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { readName } from '../name/parse.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop, isSingleDerElement } from './decode-value.js';
import { encodeGeneralNames, readGeneralNames } from './general-name.js';
import { bitNumbersOf, namedBitsFromContent } from './named-bits.js';
import { REASON_FLAG_NAMES, type DistributionPoint, type ReasonFlag } from './types.js';

const NAME = 'cRLDistributionPoints';
const DISTRIBUTION_POINT = 0xa0; // [0] DistributionPointName (a CHOICE, so EXPLICIT)
const REASONS = 0x81; // [1] IMPLICIT ReasonFlags (BIT STRING)
const CRL_ISSUER = 0xa2; // [2] IMPLICIT GeneralNames
const FULL_NAME = 0xa0; // [0] IMPLICIT GeneralNames
const RELATIVE_NAME = 0xa1; // [1] IMPLICIT RelativeDistinguishedName (SET OF)

/**
 * Reads the RelativeDistinguishedName under [1] and returns it re-tagged as a SET (0x31), the form
 * it has inside a Name, so it can be appended to the CRL issuer's name (RFC 5280 4.2.1.13).
 * Checked as a Name would be: non-empty, DER-sorted attributes.
 */
function readRelativeName(buf: Uint8Array, tlv: Tlv): Uint8Array {
  const asSet = der.tlv(Tag.SET, contentOf(buf, tlv));
  const wrapped = der.seq(asSet);
  readName(wrapped, readTlv(wrapped, 0, wrapped.length));
  return asSet;
}

function readDistributionPoint(buf: Uint8Array, tlv: Tlv): DistributionPoint {
  if (tlv.tag !== Tag.SEQUENCE) badExtension(NAME, 'DistributionPoint must be a SEQUENCE');
  const c = DerCursor.inside(buf, tlv, 'DistributionPoint');
  const nameTlv = c.optional(DISTRIBUTION_POINT);
  const reasonsTlv = c.optional(REASONS);
  const issuerTlv = c.optional(CRL_ISSUER);
  c.finish();
  // RFC 5280 4.2.1.13: "either distributionPoint or cRLIssuer MUST be present".
  if (nameTlv === undefined && issuerTlv === undefined) {
    badExtension(NAME, 'a DistributionPoint needs distributionPoint or cRLIssuer');
  }
  const out: {
    fullName?: DistributionPoint['fullName'];
    nameRelativeToCRLIssuer?: Uint8Array;
    reasons?: ReadonlySet<ReasonFlag>;
    crlIssuer?: DistributionPoint['crlIssuer'];
  } = {};
  if (nameTlv !== undefined) {
    const n = DerCursor.inside(buf, nameTlv, 'DistributionPointName');
    const choice = n.next();
    n.finish();
    if (choice.tag === FULL_NAME) out.fullName = readGeneralNames(buf, choice);
    else if (choice.tag === RELATIVE_NAME) out.nameRelativeToCRLIssuer = readRelativeName(buf, choice);
    else badExtension(NAME, `DistributionPointName has tag 0x${choice.tag.toString(16)}`);
  }
  if (reasonsTlv !== undefined) out.reasons = namedBitsFromContent(contentOf(buf, reasonsTlv), REASON_FLAG_NAMES, NAME);
  if (issuerTlv !== undefined) out.crlIssuer = readGeneralNames(buf, issuerTlv);
  return out;
}

/**
 * Decodes `CRLDistributionPoints ::= SEQUENCE SIZE (1..MAX) OF DistributionPoint` with
 * `DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL, reasons
 * [1] ReasonFlags OPTIONAL, cRLIssuer [2] GeneralNames OPTIONAL }` and `DistributionPointName ::=
 * CHOICE { fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RelativeDistinguishedName }`
 * (RFC 5280 4.2.1.13). A point with neither distributionPoint nor cRLIssuer is refused. Reasons
 * follow DER named-bit rules; bits past aACompromise (8) are refused.
 */
export function decodeCrlDistributionPoints(value: Uint8Array): DistributionPoint[] {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'CRLDistributionPoints');
    const c = DerCursor.inside(buf, top, NAME);
    const points: DistributionPoint[] = [];
    while (!c.done) points.push(readDistributionPoint(buf, c.next()));
    if (points.length === 0) badExtension(NAME, 'is empty; it is SIZE (1..MAX)');
    return points;
  });
}

/** DER of ReasonFlags under `tag` (named bits, trailing zeros removed). Shared with CRL code. */
export function encodeReasonFlags(reasons: ReadonlySet<ReasonFlag>, tag: number = Tag.BIT_STRING): Uint8Array {
  return der.namedBits(bitNumbersOf(reasons, REASON_FLAG_NAMES, NAME), tag);
}

function encodeDistributionPoint(dp: DistributionPoint): Uint8Array {
  if (dp.fullName !== undefined && dp.nameRelativeToCRLIssuer !== undefined) {
    cannotEncode(NAME, 'fullName and nameRelativeToCRLIssuer are alternatives');
  }
  const parts: Uint8Array[] = [];
  if (dp.fullName !== undefined) {
    parts.push(der.explicit(0, encodeGeneralNames(dp.fullName, FULL_NAME)));
  } else if (dp.nameRelativeToCRLIssuer !== undefined) {
    const rdn = dp.nameRelativeToCRLIssuer;
    if (rdn[0] !== Tag.SET || !isSingleDerElement(rdn))
      cannotEncode(NAME, 'nameRelativeToCRLIssuer must be an RDN SET');
    const set = readTlv(rdn, 0, rdn.length);
    parts.push(der.explicit(0, der.tlv(RELATIVE_NAME, contentOf(rdn, set))));
  }
  if (dp.reasons !== undefined) parts.push(encodeReasonFlags(dp.reasons, REASONS));
  if (dp.crlIssuer !== undefined) parts.push(encodeGeneralNames(dp.crlIssuer, CRL_ISSUER));
  // RFC 5280 4.2.1.13: "either distributionPoint or cRLIssuer MUST be present".
  if (dp.fullName === undefined && dp.nameRelativeToCRLIssuer === undefined && dp.crlIssuer === undefined) {
    cannotEncode(NAME, 'a DistributionPoint needs a distribution point name or cRLIssuer');
  }
  return der.seq(...parts);
}

/** DER of CRLDistributionPoints (at least one point). nameRelativeToCRLIssuer is given as an RDN SET. */
export function encodeCrlDistributionPoints(points: readonly DistributionPoint[]): Uint8Array {
  if (points.length === 0) cannotEncode(NAME, 'needs at least one distribution point');
  return der.seq(...points.map(encodeDistributionPoint));
}

/** Convenience: the common one-URI-per-point form (`fullName` = one URI each). */
export function crlDistributionPointsFromUris(uris: readonly string[]): DistributionPoint[] {
  return uris.map((uri) => ({ fullName: [{ type: 'uri', value: uri }] }));
}
