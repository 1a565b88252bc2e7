import { fail } from '../../errors/keyline-error.js';
import { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from '../algorithm-identifier.js';
import { DerCursor } from '../der/cursor.js';
import { DEFAULT_LIMITS, type DerLimits } from '../der/limits.js';
import { integerFromContent, readOctetAlignedBitString, readOctetString, readOid } from '../der/primitives.js';
import { Tag, contextConstructed } from '../der/tags.js';
import { readGeneralizedTimeLenient } from '../der/time.js';
import { contentOf, encodingOf, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import type { Extension } from '../extensions/types.js';
import { readName } from '../name/parse.js';
import type { Name } from '../name/types.js';
import { OID } from '../oids.js';
import { certIdEquals, type CertId } from './cert-id.js';
import { readCertificateList, readExplicitExtensions } from './fields.js';
import { nonceOf } from './nonce.js';
import { ocspResponseStatusFromCode, type OcspResponseStatus } from './response-status.js';
import { readSingleResponse, type OcspSingleResponse } from './single-response.js';
import { readOcspVersion } from './version.js';

/** ResponderID (RFC 6960 4.2.1): the responder's name, or the SHA-1 hash of its public key. */
export type OcspResponderId =
  | { readonly type: 'byName'; readonly name: Name }
  /** SHA-1 of the responder's subjectPublicKey BIT STRING value (no tag, length or unused-bits octet). */
  | { readonly type: 'byKey'; readonly keyHash: Uint8Array };

/**
 * A BasicOCSPResponse (RFC 6960 4.2.1), decoded strictly and immutable. `tbs` is the exact
 * ResponseData the signature covers. Times are GeneralizedTime; fractional seconds are accepted.
 * Decoding does NOT verify the signature nor decide whether the responder is authorised (RFC 6960
 * 4.2.2.2): see `verifyOcspResponseSignature` and trust/.
 */
export class BasicOcspResponse {
  /** DER of the BasicOCSPResponse (the content of responseBytes.response). */
  readonly der: Uint8Array;
  /** The exact ResponseData bytes the signature covers. */
  readonly tbs: Uint8Array;
  readonly version: 1;
  readonly responderId: OcspResponderId;
  readonly producedAt: Date;
  readonly responses: readonly OcspSingleResponse[];
  /** responseExtensions (empty when absent). */
  readonly extensions: readonly Extension[];
  /** The id-pkix-ocsp-nonce echoed by the responder, when present. */
  readonly nonce: Uint8Array | undefined;
  readonly signatureAlgorithm: RawAlgorithmIdentifier;
  readonly signatureValue: Uint8Array;
  /** DER of each certificate in `certs` (e.g. a delegated responder's certificate), in order. */
  readonly certs: readonly Uint8Array[];

  /** @internal Use `OcspResponse.fromDer(…).basic` or `BasicOcspResponse.fromDer`. */
  private constructor(der: Uint8Array, limits: DerLimits) {
    const top = parseDer(der, limits);
    this.der = der;
    if (top.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_OCSP', 'BasicOCSPResponse must be a SEQUENCE');
    const outer = DerCursor.inside(der, top, 'BasicOCSPResponse');
    const tbsTlv = outer.expect(Tag.SEQUENCE, 'tbsResponseData');
    this.signatureAlgorithm = readRawAlgorithmIdentifier(der, outer.expect(Tag.SEQUENCE, 'signatureAlgorithm'));
    this.signatureValue = readOctetAlignedBitString(der, outer.expect(Tag.BIT_STRING, 'signature'));
    const certsTlv = outer.optional(contextConstructed(0));
    outer.finish();
    this.certs = certsTlv ? readCertificateList(der, certsTlv) : [];
    this.tbs = encodingOf(der, tbsTlv);

    const t = DerCursor.inside(der, tbsTlv, 'ResponseData');
    this.version = readOcspVersion(der, t, 'OCSP response');
    this.responderId = readResponderId(der, t.next());
    this.producedAt = readGeneralizedTimeLenient(der, t.expect(Tag.GENERALIZED_TIME, 'producedAt'));
    const listTlv = t.expect(Tag.SEQUENCE, 'responses');
    const extsTlv = t.optional(contextConstructed(1));
    t.finish();
    const list = DerCursor.inside(der, listTlv, 'responses');
    const responses: OcspSingleResponse[] = [];
    while (!list.done) responses.push(readSingleResponse(der, list.expect(Tag.SEQUENCE, 'SingleResponse')));
    if (responses.length === 0) fail('ERR_X509_BAD_OCSP', 'OCSP response carries no SingleResponse');
    this.responses = responses;
    this.extensions = extsTlv ? readExplicitExtensions(der, extsTlv, 'responseExtensions') : [];
    this.nonce = nonceOf(this.extensions);
  }

  /** Decodes a DER BasicOCSPResponse on its own. */
  static fromDer(der: Uint8Array, limits: DerLimits = DEFAULT_LIMITS): BasicOcspResponse {
    if (!(der instanceof Uint8Array)) throw new TypeError('BasicOcspResponse.fromDer expects a Uint8Array');
    return new BasicOcspResponse(der, limits);
  }

  /** The SingleResponse for `certId` (same hash, issuer hashes and serial), if any. */
  find(certId: CertId): OcspSingleResponse | undefined {
    return this.responses.find((r) => certIdEquals(r.certId, certId));
  }
}

/**
 * An OCSPResponse (RFC 6960 4.2.1): a status, and for `successful` a basic response. RFC 6960
 * 4.2.1: error statuses carry no responseBytes and `successful` must carry them; both are enforced.
 * Only id-pkix-ocsp-basic is supported (ERR_OCSP_UNSUPPORTED_RESPONSE_TYPE otherwise).
 */
export class OcspResponse {
  readonly der: Uint8Array;
  readonly status: OcspResponseStatus;
  /** The basic response when `status` is `successful`, else undefined. */
  readonly basic: BasicOcspResponse | undefined;

  private constructor(der: Uint8Array, limits: DerLimits) {
    const top = parseDer(der, limits);
    this.der = der;
    if (top.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_OCSP', 'OCSPResponse must be a SEQUENCE');
    const outer = DerCursor.inside(der, top, 'OCSPResponse');
    const statusTlv = outer.expect(Tag.ENUMERATED, 'responseStatus');
    this.status = ocspResponseStatusFromCode(integerFromContent(contentOf(der, statusTlv), 4));
    const bytesTlv = outer.optional(contextConstructed(0));
    outer.finish();
    if (this.status !== 'successful') {
      if (bytesTlv !== undefined)
        fail('ERR_X509_BAD_OCSP', `an OCSP ${this.status} response must not carry responseBytes`);
      this.basic = undefined;
      return;
    }
    if (bytesTlv === undefined) fail('ERR_X509_BAD_OCSP', 'a successful OCSP response must carry responseBytes');
    this.basic = BasicOcspResponse.fromDer(readResponseBytes(der, bytesTlv), limits);
  }

  /** Decodes a DER response. Throws a KeylineError (ERR_DER_*, ERR_X509_*, ERR_OCSP_*) on malformed input. */
  static fromDer(der: Uint8Array, limits: DerLimits = DEFAULT_LIMITS): OcspResponse {
    if (!(der instanceof Uint8Array)) throw new TypeError('OcspResponse.fromDer expects a Uint8Array');
    return new OcspResponse(der, limits);
  }
}

/** `responseBytes [0] EXPLICIT ResponseBytes`; returns the BasicOCSPResponse DER. */
function readResponseBytes(der: Uint8Array, wrapper: Tlv): Uint8Array {
  const w = DerCursor.inside(der, wrapper, 'responseBytes');
  const seq = w.expect(Tag.SEQUENCE, 'ResponseBytes');
  w.finish();
  const c = DerCursor.inside(der, seq, 'ResponseBytes');
  const type = readOid(der, c.expect(Tag.OID, 'responseType'));
  const response = readOctetString(der, c.expect(Tag.OCTET_STRING, 'response'));
  c.finish();
  if (type !== OID.ocspBasic) fail('ERR_OCSP_UNSUPPORTED_RESPONSE_TYPE', `OCSP response type ${type} is not supported`);
  return response;
}

/** `ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash }` (EXPLICIT tags, RFC 6960 module). */
function readResponderId(der: Uint8Array, tlv: Tlv): OcspResponderId {
  if (tlv.tag === contextConstructed(1)) {
    const c = DerCursor.inside(der, tlv, 'responderID byName');
    const name = readName(der, c.expect(Tag.SEQUENCE, 'Name'));
    c.finish();
    return { type: 'byName', name };
  }
  if (tlv.tag === contextConstructed(2)) {
    const c = DerCursor.inside(der, tlv, 'responderID byKey');
    const keyHash = readOctetString(der, c.expect(Tag.OCTET_STRING, 'KeyHash'));
    c.finish();
    // KeyHash is a SHA-1 hash (RFC 6960 4.2.1).
    if (keyHash.length !== 20) fail('ERR_X509_BAD_OCSP', 'OCSP responderID byKey must be a 20-octet SHA-1 hash');
    return { type: 'byKey', keyHash };
  }
  return fail('ERR_X509_BAD_OCSP', `OCSP responderID has tag 0x${tlv.tag.toString(16)}`);
}
