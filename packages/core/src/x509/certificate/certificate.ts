import { hashHex } from '../../crypto/one-shot-hash.js';
import { fail } from '../../errors/keyline-error.js';
import { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from '../algorithm-identifier.js';
import { DerCursor } from '../der/cursor.js';
import { CERTIFICATE_LIMITS, type DerLimits } from '../der/limits.js';
import { readBitString, readOctetAlignedBitString } from '../der/primitives.js';
import { Tag, contextConstructed, contextPrimitive } from '../der/tags.js';
import { readTime } from '../der/time.js';
import { encodingOf } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import type { Extension } from '../extensions/types.js';
import { readName } from '../name/parse.js';
import type { Name } from '../name/types.js';
import { decodePem, encodePem } from '../pem.js';
import { readExtensions } from './extensions.js';
import { readSerialNumber } from './serial.js';

/**
 * An X.509 v1/v2/v3 certificate (RFC 5280 section 4), decoded strictly from DER and immutable.
 * It keeps the original encoding and the exact bytes of the TBSCertificate, so signatures are
 * checked over what was received, never over a re-encoding.
 *
 * Decoding checks structure only (DER rules, field presence and order, version rules, serial
 * bounds, matching inner and outer algorithms, no duplicate extensions, notBefore ≤ notAfter).
 * It does NOT check the signature, the validity period against a time, or any profile: that is
 * trust/ and policy/'s work.
 */
export class Certificate {
  /** The complete DER encoding. */
  readonly der: Uint8Array;
  /** The exact TBSCertificate bytes the signature covers. */
  readonly tbs: Uint8Array;
  /** Serial number as unsigned big-endian magnitude octets (no sign padding). */
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING content (for EC, the point). */
  readonly publicKey: Uint8Array;
  readonly signatureValue: Uint8Array;

  /** The other fields: decoded with the rest, or on first use for a certificate made from known fields. */
  private rest: CertificateRest | undefined;
  private readonly decodedCache = new Map<string | symbol, unknown>();
  private fingerprintCache: string | undefined;

  private constructor(der: Uint8Array, fields: KnownCertificateFields, rest: CertificateRest | undefined) {
    this.der = der;
    this.tbs = fields.tbs;
    this.serialNumber = fields.serialNumber;
    this.notBefore = fields.notBefore;
    this.notAfter = fields.notAfter;
    this.spki = fields.spki;
    this.publicKey = fields.publicKey;
    this.signatureValue = fields.signatureValue;
    this.rest = rest;
  }

  get version(): 1 | 2 | 3 {
    return this.restOf().version;
  }

  /** Serial number as lower-case hex of the magnitude. */
  get serialHex(): string {
    return this.restOf().serialHex;
  }

  /** The signature algorithm inside the TBS (equal to the outer one, checked at decode). */
  get signatureAlgorithm(): RawAlgorithmIdentifier {
    return this.restOf().signatureAlgorithm;
  }

  get issuer(): Name {
    return this.restOf().issuer;
  }

  get subject(): Name {
    return this.restOf().subject;
  }

  get publicKeyAlgorithm(): RawAlgorithmIdentifier {
    return this.restOf().publicKeyAlgorithm;
  }

  get issuerUniqueId(): Uint8Array | undefined {
    return this.restOf().issuerUniqueId;
  }

  get subjectUniqueId(): Uint8Array | undefined {
    return this.restOf().subjectUniqueId;
  }

  get extensions(): readonly Extension[] {
    return this.restOf().extensions;
  }

  private restOf(): CertificateRest {
    // Known fields came from a caller that checked `der` decodes (withKnownFields): decoding it
    // now gives the same certificate, so a failure here is a broken promise, not bad input.
    this.rest ??= decodeCertificate(this.der, CERTIFICATE_LIMITS);
    return this.rest;
  }

  /** Decodes a DER certificate. Throws a KeylineError (ERR_DER_*, ERR_X509_*) on malformed input. */
  static fromDer(der: Uint8Array, limits: DerLimits = CERTIFICATE_LIMITS): Certificate {
    if (!(der instanceof Uint8Array)) throw new TypeError('Certificate.fromDer expects a Uint8Array');
    const decoded = decodeCertificate(der, limits);
    return new Certificate(der, decoded, decoded);
  }

  /**
   * A certificate from `der` and fields the caller has already read from it, for a caller that has
   * established that `der` is a certificate `fromDer` decodes to exactly these fields (trust/'s
   * device-shape lane: a byte-exact match with a device template's output). The other fields are
   * decoded from `der` when first read. Not for untrusted input: nothing here checks the promise.
   */
  static withKnownFields(der: Uint8Array, fields: KnownCertificateFields): Certificate {
    return new Certificate(der, fields, undefined);
  }

  /** Decodes the first CERTIFICATE block of a PEM text. */
  static fromPem(pem: string): Certificate {
    const [first] = decodePem(pem, 'CERTIFICATE');
    if (first === undefined) fail('ERR_PEM_MALFORMED', 'no CERTIFICATE PEM block found');
    return Certificate.fromDer(first);
  }

  /** Every CERTIFICATE block of a PEM bundle, in order. */
  static allFromPem(pem: string): Certificate[] {
    return decodePem(pem, 'CERTIFICATE').map((der) => Certificate.fromDer(der));
  }

  /** PEM or DER, one or many: what CLIs and APIs accept. */
  static from(input: string | Uint8Array | Certificate): Certificate {
    if (input instanceof Certificate) return input;
    if (typeof input === 'string') return Certificate.fromPem(input);
    const head = Buffer.from(input.subarray(0, 11)).toString('latin1');
    return head === '-----BEGIN '
      ? Certificate.fromPem(Buffer.from(input).toString('latin1'))
      : Certificate.fromDer(input);
  }

  toPem(): string {
    return encodePem('CERTIFICATE', this.der);
  }

  /** The extension with `oid`, if present. */
  extension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /**
   * An extension decoded with `decode`, memoised per OID. Undefined when absent. Decoding errors
   * propagate as KeylineErrors (a malformed extension value is malformed input).
   */
  decoded<T>(oid: string, decode: (value: Uint8Array) => T): T | undefined {
    return this.remember(oid, () => {
      const ext = this.extension(oid);
      return ext === undefined ? undefined : decode(ext.value);
    });
  }

  /**
   * `derive(this)`, computed on the first call for `key` and kept with this certificate, for a
   * reader in another layer (trust/'s CertificateInfo). A WeakMap from certificates would do the
   * same, but V8's scavenger keeps a young key alive while a value in an old WeakMap refers to
   * it: every short-lived certificate (a device's, verified once) was then promoted to the old
   * generation with everything it holds, and each scavenge took ten times longer.
   */
  memo<T>(key: symbol, derive: (certificate: Certificate) => T): T {
    return this.remember(key, () => derive(this));
  }

  /** The value kept under `key` (undefined included), computed once; nothing is kept if `compute` throws. */
  private remember<T>(key: string | symbol, compute: () => T): T {
    if (this.decodedCache.has(key)) return this.decodedCache.get(key) as T;
    const value = compute();
    this.decodedCache.set(key, value);
    return value;
  }

  /** SHA-256 fingerprint of the DER, lower-case hex. */
  get fingerprint(): string {
    this.fingerprintCache ??= hashHex('sha256', this.der);
    return this.fingerprintCache;
  }

  /** True when issuer and subject encodings are identical (a self-issued certificate, RFC 5280 6.1). */
  get isSelfIssuedByBytes(): boolean {
    return Buffer.compare(this.issuer.der, this.subject.der) === 0;
  }
}

/** The fields `Certificate.withKnownFields` takes: what a device-shape match reads anyway. */
export interface KnownCertificateFields {
  readonly tbs: Uint8Array;
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly spki: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly signatureValue: Uint8Array;
}

/** The fields a certificate decodes on first use when it was made from known fields. */
interface CertificateRest {
  readonly version: 1 | 2 | 3;
  readonly serialHex: string;
  readonly signatureAlgorithm: RawAlgorithmIdentifier;
  readonly issuer: Name;
  readonly subject: Name;
  readonly publicKeyAlgorithm: RawAlgorithmIdentifier;
  readonly issuerUniqueId: Uint8Array | undefined;
  readonly subjectUniqueId: Uint8Array | undefined;
  readonly extensions: readonly Extension[];
}

/** The strict decoding of a whole certificate (see the class comment for what it checks): one object. */
function decodeCertificate(der: Uint8Array, limits: DerLimits): KnownCertificateFields & CertificateRest {
  const top = parseDer(der, limits);
  if (top.tag !== Tag.SEQUENCE) fail('ERR_DER_UNEXPECTED_TAG', 'Certificate must be a SEQUENCE');
  const outer = DerCursor.inside(der, top, 'Certificate');
  const tbsTlv = outer.expect(Tag.SEQUENCE, 'tbsCertificate');
  const outerAlg = readRawAlgorithmIdentifier(der, outer.expect(Tag.SEQUENCE, 'signatureAlgorithm'));
  const signatureValue = readOctetAlignedBitString(der, outer.expect(Tag.BIT_STRING, 'signatureValue'));
  outer.finish();
  const tbs = encodingOf(der, tbsTlv);

  const t = DerCursor.inside(der, tbsTlv, 'TBSCertificate');
  const version = readVersion(der, t);
  const serialNumber = readSerialNumber(der, t.expect(Tag.INTEGER, 'serialNumber'));
  const serialHex = Buffer.from(serialNumber).toString('hex');
  const signatureAlgorithm = readRawAlgorithmIdentifier(der, t.expect(Tag.SEQUENCE, 'signature'));
  if (Buffer.compare(signatureAlgorithm.der, outerAlg.der) !== 0) fail('ERR_X509_ALGORITHM_MISMATCH');
  const issuer = readName(der, t.expect(Tag.SEQUENCE, 'issuer'));
  const validity = DerCursor.inside(der, t.expect(Tag.SEQUENCE, 'validity'), 'Validity');
  const notBefore = readTime(der, validity.next());
  const notAfter = readTime(der, validity.next());
  validity.finish();
  if (notBefore.getTime() > notAfter.getTime()) fail('ERR_X509_BAD_VALIDITY');
  const subject = readName(der, t.expect(Tag.SEQUENCE, 'subject'));
  const spkiTlv = t.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const spki = encodingOf(der, spkiTlv);
  const spkiCursor = DerCursor.inside(der, spkiTlv, 'SubjectPublicKeyInfo');
  const publicKeyAlgorithm = readRawAlgorithmIdentifier(der, spkiCursor.expect(Tag.SEQUENCE, 'algorithm'));
  const publicKey = readOctetAlignedBitString(der, spkiCursor.expect(Tag.BIT_STRING, 'subjectPublicKey'));
  spkiCursor.finish();

  const issuerUid = t.optional(contextPrimitive(1));
  const subjectUid = t.optional(contextPrimitive(2));
  const extsTlv = t.optional(contextConstructed(3));
  t.finish();
  if ((issuerUid || subjectUid) && version === 1) fail('ERR_X509_EXTENSIONS_IN_V1');
  if (extsTlv && version !== 3) fail('ERR_X509_EXTENSIONS_IN_V1');
  return {
    tbs,
    serialNumber,
    notBefore,
    notAfter,
    spki,
    publicKey,
    signatureValue,
    version,
    serialHex,
    signatureAlgorithm,
    issuer,
    subject,
    publicKeyAlgorithm,
    issuerUniqueId: issuerUid && readBitString(der, issuerUid, contextPrimitive(1)).bytes,
    subjectUniqueId: subjectUid && readBitString(der, subjectUid, contextPrimitive(2)).bytes,
    extensions: extsTlv ? readExtensions(der, extsTlv) : [],
  };
}

function readVersion(der: Uint8Array, t: DerCursor): 1 | 2 | 3 {
  const explicit = t.optional(contextConstructed(0));
  if (explicit === undefined) return 1;
  const inner = DerCursor.inside(der, explicit, 'version');
  const tlv = inner.expect(Tag.INTEGER, 'version');
  inner.finish();
  if (tlv.end - tlv.valueStart !== 1) fail('ERR_X509_BAD_VERSION');
  const v = der[tlv.valueStart]!;
  // v1 is the DEFAULT and DER omits defaults (X.690 11.5): an explicit v1 is not DER.
  if (v === 1) return 2;
  if (v === 2) return 3;
  return fail(
    'ERR_X509_BAD_VERSION',
    v === 0 ? 'an explicit v1 version is not DER (the default must be omitted)' : undefined,
  );
}
