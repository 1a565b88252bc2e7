import { fail } from '../../errors/keyline-error.js';
import { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from '../algorithm-identifier.js';
import { DerCursor } from '../der/cursor.js';
import { CERTIFICATE_LIMITS, type DerLimits } from '../der/limits.js';
import { readOctetAlignedBitString } from '../der/primitives.js';
import { Tag, contextConstructed } from '../der/tags.js';
import { encodingOf } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import type { Extension } from '../extensions/types.js';
import { readName } from '../name/parse.js';
import type { Name } from '../name/types.js';
import { decodePem, encodePem } from '../pem.js';
import { readCsrAttributes, type CsrAttribute } from './attributes.js';

/** PEM labels of a PKCS #10 request: RFC 7468 section 7, and the older label OpenSSL also accepts. */
const PEM_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'] as const;

/**
 * A PKCS #10 certification request (RFC 2986), decoded strictly from DER and immutable. It keeps the
 * original encoding and the exact CertificationRequestInfo bytes (`tbs`) the signature covers.
 *
 * Decoding checks structure only: DER rules, version 0, the attributes field present (RFC 2986 4.1
 * makes it mandatory, possibly empty), DER order of the attribute SETs, no duplicate attribute or
 * extension. It does NOT check the signature: call `verifyCsrSignature` for proof of possession.
 */
export class CertificationRequest {
  /** The complete DER encoding. */
  readonly der: Uint8Array;
  /** The exact CertificationRequestInfo bytes the signature covers. */
  readonly tbs: Uint8Array;
  /** Always 0 (v1), the only version RFC 2986 defines. */
  readonly version: 0;
  readonly subject: Name;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  readonly publicKeyAlgorithm: RawAlgorithmIdentifier;
  /** The subjectPublicKey BIT STRING content (for EC keys, the point). */
  readonly publicKey: Uint8Array;
  /** Every attribute, values as DER. */
  readonly attributes: readonly CsrAttribute[];
  /** The extensions requested through the PKCS #9 extensionRequest attribute (empty when none). */
  readonly extensions: readonly Extension[];
  /** The PKCS #9 challengePassword attribute, when present. */
  readonly challengePassword: string | undefined;
  readonly signatureAlgorithm: RawAlgorithmIdentifier;
  readonly signatureValue: Uint8Array;

  private constructor(der: Uint8Array, limits: DerLimits) {
    const top = parseDer(der, limits);
    this.der = der;
    if (top.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_CSR', 'CertificationRequest must be a SEQUENCE');
    const outer = DerCursor.inside(der, top, 'CertificationRequest');
    const infoTlv = outer.expect(Tag.SEQUENCE, 'certificationRequestInfo');
    this.signatureAlgorithm = readRawAlgorithmIdentifier(der, outer.expect(Tag.SEQUENCE, 'signatureAlgorithm'));
    this.signatureValue = readOctetAlignedBitString(der, outer.expect(Tag.BIT_STRING, 'signature'));
    outer.finish();
    this.tbs = encodingOf(der, infoTlv);

    const info = DerCursor.inside(der, infoTlv, 'CertificationRequestInfo');
    const versionTlv = info.expect(Tag.INTEGER, 'version');
    // RFC 2986 4.1: version is v1 (0) "for this version of the standard"; nothing else exists.
    if (versionTlv.end - versionTlv.valueStart !== 1 || der[versionTlv.valueStart] !== 0) {
      fail('ERR_X509_BAD_CSR', 'CSR version must be 0 (v1)');
    }
    this.version = 0;
    this.subject = readName(der, info.expect(Tag.SEQUENCE, 'subject'));
    const spkiTlv = info.expect(Tag.SEQUENCE, 'subjectPKInfo');
    this.spki = encodingOf(der, spkiTlv);
    const spki = DerCursor.inside(der, spkiTlv, 'SubjectPublicKeyInfo');
    this.publicKeyAlgorithm = readRawAlgorithmIdentifier(der, spki.expect(Tag.SEQUENCE, 'algorithm'));
    this.publicKey = readOctetAlignedBitString(der, spki.expect(Tag.BIT_STRING, 'subjectPublicKey'));
    spki.finish();
    const attributesTlv = info.optional(contextConstructed(0));
    if (attributesTlv === undefined) fail('ERR_X509_BAD_CSR', 'CSR attributes [0] is missing (RFC 2986 4.1)');
    info.finish();
    const attributes = readCsrAttributes(der, attributesTlv);
    this.attributes = attributes.all;
    this.extensions = attributes.extensions;
    this.challengePassword = attributes.challengePassword;
  }

  /** Decodes a DER request. Throws a KeylineError (ERR_DER_*, ERR_X509_*) on malformed input. */
  static fromDer(der: Uint8Array, limits: DerLimits = CERTIFICATE_LIMITS): CertificationRequest {
    if (!(der instanceof Uint8Array)) throw new TypeError('CertificationRequest.fromDer expects a Uint8Array');
    return new CertificationRequest(der, limits);
  }

  /** Decodes the first CERTIFICATE REQUEST (or NEW CERTIFICATE REQUEST) block of a PEM text. */
  static fromPem(pem: string): CertificationRequest {
    for (const label of PEM_LABELS) {
      const [first] = decodePem(pem, label);
      if (first !== undefined) return CertificationRequest.fromDer(first);
    }
    return fail('ERR_PEM_MALFORMED', 'no CERTIFICATE REQUEST PEM block found');
  }

  /** PEM text, PEM bytes or DER bytes. */
  static from(input: string | Uint8Array | CertificationRequest): CertificationRequest {
    if (input instanceof CertificationRequest) return input;
    if (typeof input === 'string') return CertificationRequest.fromPem(input);
    const head = Buffer.from(input.subarray(0, 11)).toString('latin1');
    return head === '-----BEGIN '
      ? CertificationRequest.fromPem(Buffer.from(input).toString('latin1'))
      : CertificationRequest.fromDer(input);
  }

  toPem(): string {
    return encodePem('CERTIFICATE REQUEST', this.der);
  }

  /** The requested extension with `oid`, if present. */
  extension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }
}
