import { DerCursor } from '../der/cursor.js';
import { readInteger, readOid } from '../der/primitives.js';
import { readString } from '../der/strings.js';
import { Tag } from '../der/tags.js';
import { encodingOf } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { OID } from '../oids.js';
import { badExtension, cannotEncode, decodeExtensionValue, expectTop, isSingleDerElement } from './decode-value.js';
import type { PolicyInformation, PolicyQualifier } from './types.js';

const NAME = 'certificatePolicies';

/**
 * Decodes `certificatePolicies ::= SEQUENCE SIZE (1..MAX) OF PolicyInformation` with
 * `PolicyInformation ::= SEQUENCE { policyIdentifier CertPolicyId, policyQualifiers SEQUENCE SIZE
 * (1..MAX) OF PolicyQualifierInfo OPTIONAL }` and `PolicyQualifierInfo ::= SEQUENCE {
 * policyQualifierId, qualifier ANY }` (RFC 5280 4.2.1.4). A policy OID appearing twice is refused
 * ("A certificate policy OID MUST NOT appear more than once"). Qualifiers are kept as their DER;
 * {@link describePolicyQualifier} reads the two RFC 5280 defines.
 */
export function decodeCertificatePolicies(value: Uint8Array): PolicyInformation[] {
  return decodeExtensionValue(value, NAME, (buf, top) => {
    expectTop(top, Tag.SEQUENCE, NAME, 'certificatePolicies');
    const c = DerCursor.inside(buf, top, NAME);
    const policies: PolicyInformation[] = [];
    const seen = new Set<string>();
    while (!c.done) {
      const infoTlv = c.next();
      if (infoTlv.tag !== Tag.SEQUENCE) badExtension(NAME, 'PolicyInformation must be a SEQUENCE');
      const info = DerCursor.inside(buf, infoTlv, 'PolicyInformation');
      const policyId = readOid(buf, info.expect(Tag.OID, 'policyIdentifier'));
      if (seen.has(policyId)) badExtension(NAME, `policy ${policyId} appears more than once`);
      seen.add(policyId);
      const qualifiersTlv = info.optional(Tag.SEQUENCE);
      info.finish();
      if (qualifiersTlv === undefined) {
        policies.push({ policyId });
        continue;
      }
      const q = DerCursor.inside(buf, qualifiersTlv, 'policyQualifiers');
      const qualifiers: PolicyQualifier[] = [];
      while (!q.done) {
        const qualifierInfo = DerCursor.inside(
          buf,
          q.expect(Tag.SEQUENCE, 'PolicyQualifierInfo'),
          'PolicyQualifierInfo',
        );
        const id = readOid(buf, qualifierInfo.expect(Tag.OID, 'policyQualifierId'));
        const qualifier = encodingOf(buf, qualifierInfo.next());
        qualifierInfo.finish();
        qualifiers.push({ id, qualifier });
      }
      if (qualifiers.length === 0) badExtension(NAME, 'policyQualifiers is empty; it is SIZE (1..MAX)');
      policies.push({ policyId, qualifiers });
    }
    if (policies.length === 0) badExtension(NAME, 'is empty; it is SIZE (1..MAX)');
    return policies;
  });
}

/** DER of certificatePolicies: at least one policy, no OID twice, qualifiers each one DER element. */
export function encodeCertificatePolicies(policies: readonly PolicyInformation[]): Uint8Array {
  if (policies.length === 0) cannotEncode(NAME, 'needs at least one policy');
  const seen = new Set<string>();
  return der.seq(
    ...policies.map((p) => {
      if (seen.has(p.policyId)) cannotEncode(NAME, `policy ${p.policyId} is listed twice`);
      seen.add(p.policyId);
      if (p.qualifiers === undefined) return der.seq(der.oid(p.policyId));
      if (p.qualifiers.length === 0) cannotEncode(NAME, 'policyQualifiers, when present, needs at least one qualifier');
      const qualifiers = p.qualifiers.map((q) => {
        if (!isSingleDerElement(q.qualifier)) cannotEncode(NAME, `qualifier ${q.id} is not one DER element`);
        return der.seq(der.oid(q.id), q.qualifier);
      });
      return der.seq(der.oid(p.policyId), der.seq(...qualifiers));
    }),
  );
}

/** The id-qt-cps qualifier: `CPSuri ::= IA5String` (RFC 5280 4.2.1.4). */
export function cpsQualifier(uri: string): PolicyQualifier {
  if (!/^[\x20-\x7e]*$/.test(uri)) cannotEncode(NAME, 'CPS URI must be printable ASCII');
  return { id: OID.cps, qualifier: der.ia5(uri) };
}

/**
 * The id-qt-unotice qualifier with explicitText only, as a UTF8String: RFC 5280 4.2.1.4 says
 * conforming CAs SHOULD NOT use noticeRef, SHOULD use UTF8String, and keep it to 200 characters.
 */
export function userNoticeQualifier(explicitText: string): PolicyQualifier {
  if ([...explicitText].length > 200) cannotEncode(NAME, 'explicitText is longer than 200 characters');
  return { id: OID.userNotice, qualifier: der.seq(der.utf8(explicitText)) };
}

/** What a policy qualifier says, for display and lint rules. */
export type PolicyQualifierDescription =
  | { readonly kind: 'cps'; readonly uri: string }
  | {
      readonly kind: 'userNotice';
      readonly explicitText?: string;
      readonly noticeRef?: { readonly organization: string; readonly noticeNumbers: readonly bigint[] };
    }
  | { readonly kind: 'unknown' };

/**
 * Reads a CPS pointer or a UserNotice (`SEQUENCE { noticeRef NoticeReference OPTIONAL, explicitText
 * DisplayText OPTIONAL }`, RFC 5280 4.2.1.4); other qualifier ids give `unknown`. Malformed
 * qualifiers of the two known kinds throw ERR_X509_BAD_EXTENSION.
 */
export function describePolicyQualifier(q: PolicyQualifier): PolicyQualifierDescription {
  if (q.id !== OID.cps && q.id !== OID.userNotice) return { kind: 'unknown' };
  return decodeExtensionValue(q.qualifier, NAME, (buf, top) => {
    if (q.id === OID.cps) {
      expectTop(top, Tag.IA5_STRING, NAME, 'CPSuri');
      return { kind: 'cps', uri: readString(buf, top) };
    }
    expectTop(top, Tag.SEQUENCE, NAME, 'UserNotice');
    const c = DerCursor.inside(buf, top, 'UserNotice');
    const out: {
      kind: 'userNotice';
      explicitText?: string;
      noticeRef?: { organization: string; noticeNumbers: bigint[] };
    } = { kind: 'userNotice' };
    const refTlv = c.optional(Tag.SEQUENCE);
    if (refTlv !== undefined) {
      const r = DerCursor.inside(buf, refTlv, 'NoticeReference');
      const orgTlv = r.next();
      if (!isDisplayText(orgTlv.tag)) badExtension(NAME, 'NoticeReference organization is not a DisplayText');
      const numbers = DerCursor.inside(buf, r.expect(Tag.SEQUENCE, 'noticeNumbers'), 'noticeNumbers');
      r.finish();
      const noticeNumbers: bigint[] = [];
      while (!numbers.done) noticeNumbers.push(readInteger(buf, numbers.expect(Tag.INTEGER, 'noticeNumber'), 8));
      out.noticeRef = { organization: readString(buf, orgTlv), noticeNumbers };
    }
    if (!c.done) {
      const textTlv = c.next();
      if (!isDisplayText(textTlv.tag)) badExtension(NAME, 'explicitText is not a DisplayText');
      out.explicitText = readString(buf, textTlv);
    }
    c.finish();
    return out;
  });
}

/** DisplayText ::= CHOICE { ia5String, visibleString, bmpString, utf8String }. */
function isDisplayText(tag: number): boolean {
  return tag === Tag.IA5_STRING || tag === Tag.VISIBLE_STRING || tag === Tag.BMP_STRING || tag === Tag.UTF8_STRING;
}
