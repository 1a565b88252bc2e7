import { KeylineError, fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { DEFAULT_LIMITS, type DerLimits } from '../der/limits.js';
import { readOid, readSmallInteger } from '../der/primitives.js';
import { Tag, contextConstructed } from '../der/tags.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import * as der from '../der/writer.js';

/** id-signedData (RFC 5652 5.1). */
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
/** id-data (RFC 5652 4): the eContentType of a certs-only message, which carries no content. */
export const OID_DATA = '1.2.840.113549.1.7.1';

/** What a certs-only message carries: certificates and CRLs, each as its DER. */
export interface CertsOnly {
  readonly certificates: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
}

/**
 * Encodes a "certs-only" CMS SignedData (RFC 5652 5.1; RFC 8551 3.2.2, the degenerate case with
 * no signers), which EST answers with (RFC 7030 4.1.3 and 4.2.3): version 1, no digest
 * algorithms, encapsulated content of type id-data with the content absent, the certificates
 * (and optionally CRLs), and no signerInfos. Returns the DER of the ContentInfo.
 *
 * The certificate and CRL SETs are DER SET OF, so their elements are sorted (X.690 11.6): order
 * carries no meaning in CMS. Each input must be one DER SEQUENCE (a certificate or CRL); the
 * contents are not otherwise checked.
 */
export function encodeCertsOnly(certificates: readonly Uint8Array[], crls: readonly Uint8Array[] = []): Uint8Array {
  for (const cert of certificates) checkElement(cert, 'certificate');
  for (const crl of crls) checkElement(crl, 'CRL');
  const parts: Uint8Array[] = [
    // RFC 5652 5.1: version 1 when there are no attribute certificates, other certificate or
    // revocation formats, and the eContentType is id-data.
    der.int(1),
    der.setOf(),
    der.seq(der.oid(OID_DATA)),
    // certificates [0] IMPLICIT CertificateSet; crls [1] IMPLICIT RevocationInfoChoices.
    der.tlv(contextConstructed(0), setOfContent(certificates)),
  ];
  if (crls.length > 0) parts.push(der.tlv(contextConstructed(1), setOfContent(crls)));
  parts.push(der.setOf());
  return der.seq(der.oid(OID_SIGNED_DATA), der.explicit(0, der.seq(...parts)));
}

/**
 * Decodes a certs-only ContentInfo strictly: DER only, a SignedData of version 1 or 3 with id-data
 * content that is absent, no signerInfos, and certificates and CRLs that are each a plain SEQUENCE
 * (attribute certificates and other formats are refused). Does not parse the certificates
 * themselves: pass each to `Certificate.fromDer`. Malformed input throws ERR_PKCS7_MALFORMED, or
 * the DER layer's ERR_DER_* for encodings that are not DER.
 */
export function decodeCertsOnly(input: Uint8Array, limits: DerLimits = DEFAULT_LIMITS): CertsOnly {
  if (!(input instanceof Uint8Array)) throw new TypeError('decodeCertsOnly expects a Uint8Array');
  const top = parseDer(input, limits);
  if (top.tag !== Tag.SEQUENCE) fail('ERR_PKCS7_MALFORMED', 'ContentInfo must be a SEQUENCE');
  return structural(() => {
    const info = DerCursor.inside(input, top, 'ContentInfo');
    const contentType = readOid(input, info.expect(Tag.OID, 'contentType'));
    if (contentType !== OID_SIGNED_DATA) {
      fail('ERR_PKCS7_MALFORMED', `contentType ${contentType} is not id-signedData (RFC 5652 5.1)`);
    }
    const wrapper = DerCursor.inside(input, info.expect(contextConstructed(0), 'content'), 'content [0]');
    info.finish();
    const signedTlv = wrapper.expect(Tag.SEQUENCE, 'SignedData');
    wrapper.finish();

    const signed = DerCursor.inside(input, signedTlv, 'SignedData');
    const version = readSmallInteger(input, signed.expect(Tag.INTEGER, 'version'), 5);
    // Versions 1 and 3 cover plain certificates with id-data or other content (RFC 5652 5.1);
    // 4 and 5 would announce attribute certificates or other formats, which certs-only never has.
    if (version !== 1 && version !== 3) fail('ERR_PKCS7_MALFORMED', `SignedData version ${version} is not 1 or 3`);
    signed.expect(Tag.SET, 'digestAlgorithms');
    const encap = DerCursor.inside(input, signed.expect(Tag.SEQUENCE, 'encapContentInfo'), 'EncapsulatedContentInfo');
    const eContentType = readOid(input, encap.expect(Tag.OID, 'eContentType'));
    if (eContentType !== OID_DATA) fail('ERR_PKCS7_MALFORMED', `eContentType ${eContentType} is not id-data`);
    if (!encap.done) fail('ERR_PKCS7_MALFORMED', 'a certs-only message carries no eContent (RFC 8551 3.2.2)');
    const certsTlv = signed.optional(contextConstructed(0));
    const crlsTlv = signed.optional(contextConstructed(1));
    const signerInfos = signed.expect(Tag.SET, 'signerInfos');
    signed.finish();
    if (signerInfos.end !== signerInfos.valueStart) {
      fail('ERR_PKCS7_MALFORMED', 'a certs-only message has no signerInfos (RFC 8551 3.2.2)');
    }
    return {
      certificates: certsTlv === undefined ? [] : sequencesIn(input, certsTlv, 'certificate'),
      crls: crlsTlv === undefined ? [] : sequencesIn(input, crlsTlv, 'CRL'),
    };
  });
}

/** The content octets of a DER SET OF the given elements (sorted, X.690 11.6). */
function setOfContent(elements: readonly Uint8Array[]): Uint8Array {
  return der.concat([...elements].sort(der.compareBytes));
}

function sequencesIn(buf: Uint8Array, tlv: Tlv, what: string): Uint8Array[] {
  const cursor = DerCursor.inside(buf, tlv, `${what}s`);
  const out: Uint8Array[] = [];
  while (!cursor.done) {
    const element = cursor.next();
    // CertificateChoices / RevocationInfoChoices: only the plain SEQUENCE alternative is accepted.
    if (element.tag !== Tag.SEQUENCE) {
      fail('ERR_PKCS7_MALFORMED', `a ${what} of another format (tag 0x${element.tag.toString(16)}) is not supported`);
    }
    out.push(encodingOf(buf, element));
  }
  return out;
}

function checkElement(bytes: Uint8Array, what: string): void {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`each ${what} must be a Uint8Array of DER`);
  let tag: number | undefined;
  try {
    tag = parseDer(bytes, DEFAULT_LIMITS).tag;
  } catch {
    tag = undefined;
  }
  if (tag !== Tag.SEQUENCE) fail('ERR_X509_BUILD_INVALID', `each ${what} must be one DER SEQUENCE`);
}

/**
 * The whole input already passed the DER layer, so an error while walking it is structural (a
 * missing, extra or unexpected field): it becomes ERR_PKCS7_MALFORMED, the DER code kept as reason.
 */
function structural<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof KeylineError && error.code !== 'ERR_PKCS7_MALFORMED') {
      throw new KeylineError('ERR_PKCS7_MALFORMED', error.message, { reason: error.code }, { cause: error });
    }
    throw error;
  }
}
