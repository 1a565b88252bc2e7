import { fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { integerFromContent } from '../der/primitives.js';
import { Tag, contextConstructed, contextPrimitive } from '../der/tags.js';
import { readGeneralizedTimeLenient } from '../der/time.js';
import { contentOf, type Tlv } from '../der/tlv.js';
import type { Extension } from '../extensions/types.js';
import { crlReasonFromCode, type CrlReason } from '../crl/reason.js';
import { readCertId, type CertId } from './cert-id.js';
import { readExplicitExtensions } from './fields.js';

/** CertStatus (RFC 6960 4.2.1). */
export type OcspCertStatus =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revocationTime: Date; readonly reason?: CrlReason }
  | { readonly status: 'unknown' };

/** One SingleResponse of a basic OCSP response (RFC 6960 4.2.1). */
export interface OcspSingleResponse {
  readonly certId: CertId;
  readonly certStatus: OcspCertStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  /** singleExtensions (empty when absent). */
  readonly extensions: readonly Extension[];
}

const GOOD = contextPrimitive(0); // good [0] IMPLICIT NULL
const REVOKED = contextConstructed(1); // revoked [1] IMPLICIT RevokedInfo (a SEQUENCE)
const UNKNOWN = contextPrimitive(2); // unknown [2] IMPLICIT UnknownInfo (NULL)

export function readSingleResponse(buf: Uint8Array, tlv: Tlv): OcspSingleResponse {
  const c = DerCursor.inside(buf, tlv, 'SingleResponse');
  const certId = readCertId(buf, c.expect(Tag.SEQUENCE, 'certID'));
  const certStatus = readCertStatus(buf, c.next());
  const thisUpdate = readGeneralizedTimeLenient(buf, c.expect(Tag.GENERALIZED_TIME, 'thisUpdate'));
  const nextTlv = c.optional(contextConstructed(0));
  const extsTlv = c.optional(contextConstructed(1));
  c.finish();
  let nextUpdate: Date | undefined;
  if (nextTlv !== undefined) {
    const n = DerCursor.inside(buf, nextTlv, 'nextUpdate');
    nextUpdate = readGeneralizedTimeLenient(buf, n.expect(Tag.GENERALIZED_TIME, 'nextUpdate'));
    n.finish();
  }
  return {
    certId,
    certStatus,
    thisUpdate,
    nextUpdate,
    extensions: extsTlv ? readExplicitExtensions(buf, extsTlv, 'singleExtensions') : [],
  };
}

function readCertStatus(buf: Uint8Array, tlv: Tlv): OcspCertStatus {
  if (tlv.tag === GOOD || tlv.tag === UNKNOWN) {
    // IMPLICIT NULL: parseDer does not look under context tags, so the empty content is checked here.
    if (tlv.end !== tlv.valueStart) fail('ERR_DER_BAD_NULL', 'OCSP certStatus good/unknown must be an empty NULL');
    return { status: tlv.tag === GOOD ? 'good' : 'unknown' };
  }
  if (tlv.tag !== REVOKED) fail('ERR_X509_BAD_OCSP', `OCSP certStatus has tag 0x${tlv.tag.toString(16)}`);
  const c = DerCursor.inside(buf, tlv, 'RevokedInfo');
  const revocationTime = readGeneralizedTimeLenient(buf, c.expect(Tag.GENERALIZED_TIME, 'revocationTime'));
  const reasonTlv = c.optional(contextConstructed(0));
  c.finish();
  if (reasonTlv === undefined) return { status: 'revoked', revocationTime };
  const r = DerCursor.inside(buf, reasonTlv, 'revocationReason');
  const code = integerFromContent(contentOf(buf, r.expect(Tag.ENUMERATED, 'CRLReason')), 4);
  r.finish();
  if (code < 0n || code > 0xffn)
    fail('ERR_CRL_BAD_REASON', `revocation reason ${code} is not defined by RFC 5280 5.3.1`);
  return { status: 'revoked', revocationTime, reason: crlReasonFromCode(Number(code)) };
}
