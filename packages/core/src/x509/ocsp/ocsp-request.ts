import { fail } from '../../errors/keyline-error.js';
import { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from '../algorithm-identifier.js';
import { DerCursor } from '../der/cursor.js';
import { CERTIFICATE_LIMITS, type DerLimits } from '../der/limits.js';
import { readOctetAlignedBitString } from '../der/primitives.js';
import { Tag, contextConstructed } from '../der/tags.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import { readGeneralName } from '../extensions/general-name.js';
import type { Extension, GeneralName } from '../extensions/types.js';
import { decodePem, encodePem } from '../pem.js';
import { readCertId, type CertId } from './cert-id.js';
import { readCertificateList, readExplicitExtensions } from './fields.js';
import { nonceOf } from './nonce.js';
import { readOcspVersion } from './version.js';

/** One Request of an OCSP request (RFC 6960 4.1.1). */
export interface OcspSingleRequest {
  readonly certId: CertId;
  /** singleRequestExtensions (empty when absent). */
  readonly extensions: readonly Extension[];
}

/** The optionalSignature of a signed OCSP request, kept as received and never verified by Keyline. */
export interface OcspRequestSignature {
  readonly algorithm: RawAlgorithmIdentifier;
  readonly value: Uint8Array;
  /** DER of each certificate the requestor attached. */
  readonly certs: readonly Uint8Array[];
}

/** OCSP requests are small; a signed one with a few certificates stays well under this. */
export const OCSP_REQUEST_LIMITS: DerLimits = CERTIFICATE_LIMITS;

/**
 * An OCSP request (RFC 6960 4.1), decoded strictly from DER and immutable.
 *
 * Signed requests: the optionalSignature is decoded (its structure must be right) and exposed as
 * `signature`, but Keyline never verifies it and never relies on `requestorName`: RFC 6960 4.1.2
 * leaves request signatures optional, and our responder answers the same public data to anyone.
 * A caller that wants to require or check signatures must do so itself.
 */
export class OcspRequest {
  readonly der: Uint8Array;
  /** The exact TBSRequest bytes (what a request signature would cover). */
  readonly tbs: Uint8Array;
  readonly version: 1;
  readonly requestorName: GeneralName | undefined;
  readonly requests: readonly OcspSingleRequest[];
  /** requestExtensions (empty when absent). */
  readonly extensions: readonly Extension[];
  /** The id-pkix-ocsp-nonce value (RFC 8954), when present. */
  readonly nonce: Uint8Array | undefined;
  readonly signature: OcspRequestSignature | undefined;

  private constructor(der: Uint8Array, limits: DerLimits) {
    const top = parseDer(der, limits);
    this.der = der;
    if (top.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_OCSP', 'OCSPRequest must be a SEQUENCE');
    const outer = DerCursor.inside(der, top, 'OCSPRequest');
    const tbsTlv = outer.expect(Tag.SEQUENCE, 'tbsRequest');
    const signatureTlv = outer.optional(contextConstructed(0));
    outer.finish();
    this.tbs = encodingOf(der, tbsTlv);

    const t = DerCursor.inside(der, tbsTlv, 'TBSRequest');
    this.version = readOcspVersion(der, t, 'OCSP request');
    const requestorTlv = t.optional(contextConstructed(1));
    this.requestorName = requestorTlv && readExplicitGeneralName(der, requestorTlv);
    const listTlv = t.expect(Tag.SEQUENCE, 'requestList');
    const extsTlv = t.optional(contextConstructed(2));
    t.finish();

    const list = DerCursor.inside(der, listTlv, 'requestList');
    const requests: OcspSingleRequest[] = [];
    while (!list.done) requests.push(readSingleRequest(der, list.expect(Tag.SEQUENCE, 'Request')));
    if (requests.length === 0) fail('ERR_X509_BAD_OCSP', 'OCSP requestList is empty');
    this.requests = requests;
    this.extensions = extsTlv ? readExplicitExtensions(der, extsTlv, 'requestExtensions') : [];
    this.nonce = nonceOf(this.extensions);
    this.signature = signatureTlv && readRequestSignature(der, signatureTlv);
  }

  /** Decodes a DER request. Throws a KeylineError (ERR_DER_*, ERR_X509_*, ERR_OCSP_*) on malformed input. */
  static fromDer(der: Uint8Array, limits: DerLimits = OCSP_REQUEST_LIMITS): OcspRequest {
    if (!(der instanceof Uint8Array)) throw new TypeError('OcspRequest.fromDer expects a Uint8Array');
    return new OcspRequest(der, limits);
  }

  /** Decodes the first OCSP REQUEST block of a PEM text (the label OpenSSL uses). */
  static fromPem(pem: string): OcspRequest {
    const [first] = decodePem(pem, 'OCSP REQUEST');
    if (first === undefined) fail('ERR_PEM_MALFORMED', 'no OCSP REQUEST PEM block found');
    return OcspRequest.fromDer(first);
  }

  toPem(): string {
    return encodePem('OCSP REQUEST', this.der);
  }
}

function readSingleRequest(der: Uint8Array, tlv: Tlv): OcspSingleRequest {
  const c = DerCursor.inside(der, tlv, 'Request');
  const certId = readCertId(der, c.expect(Tag.SEQUENCE, 'reqCert'));
  const extsTlv = c.optional(contextConstructed(0));
  c.finish();
  return { certId, extensions: extsTlv ? readExplicitExtensions(der, extsTlv, 'singleRequestExtensions') : [] };
}

function readExplicitGeneralName(der: Uint8Array, tlv: Tlv): GeneralName {
  const c = DerCursor.inside(der, tlv, 'requestorName');
  const name = readGeneralName(der, c.next());
  c.finish();
  return name;
}

/** `Signature ::= SEQUENCE { signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }`. */
function readRequestSignature(der: Uint8Array, wrapper: Tlv): OcspRequestSignature {
  const w = DerCursor.inside(der, wrapper, 'optionalSignature');
  const sigTlv = w.expect(Tag.SEQUENCE, 'Signature');
  w.finish();
  const c = DerCursor.inside(der, sigTlv, 'Signature');
  const algorithm = readRawAlgorithmIdentifier(der, c.expect(Tag.SEQUENCE, 'signatureAlgorithm'));
  const value = readOctetAlignedBitString(der, c.expect(Tag.BIT_STRING, 'signature'));
  const certsTlv = c.optional(contextConstructed(0));
  c.finish();
  return { algorithm, value, certs: certsTlv ? readCertificateList(der, certsTlv) : [] };
}
