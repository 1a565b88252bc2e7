import { fail } from '../../errors/keyline-error.js';
import { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from '../algorithm-identifier.js';
import { readExtensions } from '../certificate/extensions.js';
import { DerCursor } from '../der/cursor.js';
import { CRL_LIMITS, type DerLimits } from '../der/limits.js';
import { readOctetAlignedBitString } from '../der/primitives.js';
import { Tag, contextConstructed } from '../der/tags.js';
import { readTime } from '../der/time.js';
import { encodingOf, readTlv, type Tlv } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import { decodeAuthorityKeyIdentifier } from '../extensions/authority-key-identifier.js';
import type { AuthorityKeyIdentifier, Extension, GeneralName } from '../extensions/types.js';
import { readName } from '../name/parse.js';
import type { Name } from '../name/types.js';
import { OID } from '../oids.js';
import { decodePem, encodePem } from '../pem.js';
import { decodeCrlNumber, decodeDeltaCrlIndicator } from './extension-values.js';
import { decodeIssuingDistributionPoint, type IssuingDistributionPoint } from './issuing-distribution-point.js';
import { HANDLED_ENTRY_EXTENSIONS, decodeRevokedEntry, type RevokedEntry } from './revoked-entry.js';
import { normalizeSerialHex } from './serial.js';

/** The CRL extensions RFC 5280 5.2 defines, which a verifier can process. */
export const HANDLED_CRL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.authorityKeyIdentifier,
  OID.issuerAltName,
  OID.cRLNumber,
  OID.deltaCRLIndicator,
  OID.issuingDistributionPoint,
  OID.freshestCRL,
  OID.authorityInfoAccess,
]);

/**
 * A certificate revocation list (RFC 5280 section 5), decoded strictly from DER and immutable. It
 * keeps the original encoding and the exact TBSCertList bytes (`tbs`) the signature covers.
 *
 * Decoding validates the whole list once (DER rules, v1/v2 rules, inner and outer algorithm equal,
 * every entry and the extensions RFC 5280 defines) but keeps only the offsets of the entries, so a
 * CRL of a million entries costs little memory; entries are materialised on demand and
 * `isRevoked` builds its serial index on first use, then answers in O(1).
 *
 * It does NOT check the signature (see `verifyCrlSignature`), the freshness against a time, or the
 * scope against a certificate: that is trust/'s work, helped by `unhandledCriticalExtensions`.
 */
export class CertificateRevocationList {
  /** The complete DER encoding. */
  readonly der: Uint8Array;
  /** The exact TBSCertList bytes the signature covers. */
  readonly tbs: Uint8Array;
  /** 1 when the version field is absent, 2 when it says v2. */
  readonly version: 1 | 2;
  /** The signature algorithm inside the TBS (equal to the outer one, checked at decode). */
  readonly signatureAlgorithm: RawAlgorithmIdentifier;
  readonly issuer: Name;
  readonly thisUpdate: Date;
  /** Optional in the ASN.1, required by RFC 5280 5.1.2.5 for conforming issuers. */
  readonly nextUpdate: Date | undefined;
  /** The crlExtensions as encoded (empty when absent). */
  readonly extensions: readonly Extension[];
  readonly authorityKeyIdentifier: AuthorityKeyIdentifier | undefined;
  /** cRLNumber (RFC 5280 5.2.3). */
  readonly crlNumber: bigint | undefined;
  /** deltaCRLIndicator (RFC 5280 5.2.4): the base CRL number of a delta CRL. */
  readonly deltaCrlIndicator: bigint | undefined;
  readonly issuingDistributionPoint: IssuingDistributionPoint | undefined;
  /**
   * OIDs of critical CRL or entry extensions this decoder does not process. RFC 5280 5.2 and 5.3:
   * a CRL with any of them MUST NOT be used to decide the status of a certificate.
   */
  readonly unhandledCriticalExtensions: readonly string[];
  readonly signatureValue: Uint8Array;
  /** Number of revoked entries. */
  readonly revokedCount: number;

  /** Offset in `der` of each entry's identifier octet. */
  private readonly entryOffsets: Uint32Array;
  private readonly entriesEnd: number;
  /** Entry indexes where a certificateIssuer extension starts applying (RFC 5280 5.3.3), ascending. */
  private readonly issuerChanges: ReadonlyArray<{ readonly index: number; readonly names: readonly GeneralName[] }>;
  private serialIndex: Map<string, number | number[]> | undefined;
  private allEntries: readonly RevokedEntry[] | undefined;

  private constructor(der: Uint8Array, limits: DerLimits) {
    const top = parseDer(der, limits);
    this.der = der;
    if (top.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_CRL', 'CertificateList must be a SEQUENCE');
    const outer = DerCursor.inside(der, top, 'CertificateList');
    const tbsTlv = outer.expect(Tag.SEQUENCE, 'tbsCertList');
    const outerAlg = readRawAlgorithmIdentifier(der, outer.expect(Tag.SEQUENCE, 'signatureAlgorithm'));
    this.signatureValue = readOctetAlignedBitString(der, outer.expect(Tag.BIT_STRING, 'signatureValue'));
    outer.finish();
    this.tbs = encodingOf(der, tbsTlv);

    const t = DerCursor.inside(der, tbsTlv, 'TBSCertList');
    this.version = readCrlVersion(der, t.optional(Tag.INTEGER));
    this.signatureAlgorithm = readRawAlgorithmIdentifier(der, t.expect(Tag.SEQUENCE, 'signature'));
    // RFC 5280 5.1.1.2: signatureAlgorithm MUST contain the same identifier as the TBS signature.
    if (Buffer.compare(this.signatureAlgorithm.der, outerAlg.der) !== 0) fail('ERR_X509_ALGORITHM_MISMATCH');
    this.issuer = readName(der, t.expect(Tag.SEQUENCE, 'issuer'));
    if (this.issuer.rdns.length === 0)
      fail('ERR_X509_BAD_CRL', 'CRL issuer must be a non-empty name (RFC 5280 5.1.2.3)');
    this.thisUpdate = readTime(der, t.next());
    const nextTag = t.peekTag();
    this.nextUpdate =
      nextTag === Tag.UTC_TIME || nextTag === Tag.GENERALIZED_TIME ? readTime(der, t.next()) : undefined;
    const revokedTlv = t.optional(Tag.SEQUENCE);
    const extsTlv = t.optional(contextConstructed(0));
    t.finish();

    const unhandled = new Set<string>();
    if (extsTlv !== undefined && this.version === 1) fail('ERR_CRL_EXTENSIONS_IN_V1', 'a v1 CRL carries crlExtensions');
    this.extensions = extsTlv ? readExtensions(der, extsTlv) : [];
    let aki: AuthorityKeyIdentifier | undefined;
    let crlNumber: bigint | undefined;
    let delta: bigint | undefined;
    let idp: IssuingDistributionPoint | undefined;
    for (const ext of this.extensions) {
      if (ext.oid === OID.authorityKeyIdentifier) aki = decodeAuthorityKeyIdentifier(ext.value);
      else if (ext.oid === OID.cRLNumber) crlNumber = decodeCrlNumber(ext.value);
      else if (ext.oid === OID.deltaCRLIndicator) delta = decodeDeltaCrlIndicator(ext.value);
      else if (ext.oid === OID.issuingDistributionPoint) idp = decodeIssuingDistributionPoint(ext.value);
      if (ext.critical && !HANDLED_CRL_EXTENSIONS.has(ext.oid)) unhandled.add(ext.oid);
    }
    this.authorityKeyIdentifier = aki;
    this.crlNumber = crlNumber;
    this.deltaCrlIndicator = delta;
    this.issuingDistributionPoint = idp;

    const offsets: number[] = [];
    const changes: Array<{ index: number; names: readonly GeneralName[] }> = [];
    if (revokedTlv !== undefined) {
      // RFC 5280 5.1.2.6: with no revoked certificates the list MUST be absent, not empty.
      if (revokedTlv.end === revokedTlv.valueStart)
        fail('ERR_X509_BAD_CRL', 'revokedCertificates is present but empty');
      const list = DerCursor.inside(der, revokedTlv, 'revokedCertificates');
      while (!list.done) {
        const entryTlv = list.next();
        const entry = decodeRevokedEntry(der, entryTlv, this.version === 2);
        if (entry.ownCertificateIssuer !== undefined)
          changes.push({ index: offsets.length, names: entry.ownCertificateIssuer });
        for (const ext of entry.extensions) {
          if (ext.critical && !HANDLED_ENTRY_EXTENSIONS.has(ext.oid)) unhandled.add(ext.oid);
        }
        offsets.push(entryTlv.start);
      }
    }
    this.entryOffsets = Uint32Array.from(offsets);
    this.entriesEnd = revokedTlv?.end ?? 0;
    this.issuerChanges = changes;
    this.revokedCount = offsets.length;
    this.unhandledCriticalExtensions = [...unhandled];
  }

  /** Decodes a DER CRL. Throws a KeylineError (ERR_DER_*, ERR_X509_*, ERR_CRL_*) on malformed input. */
  static fromDer(der: Uint8Array, limits: DerLimits = CRL_LIMITS): CertificateRevocationList {
    if (!(der instanceof Uint8Array)) throw new TypeError('CertificateRevocationList.fromDer expects a Uint8Array');
    return new CertificateRevocationList(der, limits);
  }

  /** Decodes the first X509 CRL block of a PEM text (RFC 7468 section 6). */
  static fromPem(pem: string, limits: DerLimits = CRL_LIMITS): CertificateRevocationList {
    const [first] = decodePem(pem, 'X509 CRL');
    if (first === undefined) fail('ERR_PEM_MALFORMED', 'no X509 CRL PEM block found');
    return CertificateRevocationList.fromDer(first, limits);
  }

  /** PEM text, PEM bytes or DER bytes. */
  static from(input: string | Uint8Array | CertificateRevocationList): CertificateRevocationList {
    if (input instanceof CertificateRevocationList) return input;
    if (typeof input === 'string') return CertificateRevocationList.fromPem(input);
    const head = Buffer.from(input.subarray(0, 11)).toString('latin1');
    return head === '-----BEGIN '
      ? CertificateRevocationList.fromPem(Buffer.from(input).toString('latin1'))
      : CertificateRevocationList.fromDer(input);
  }

  toPem(): string {
    return encodePem('X509 CRL', this.der);
  }

  /** True for a delta CRL (one carrying deltaCRLIndicator). */
  get isDelta(): boolean {
    return this.deltaCrlIndicator !== undefined;
  }

  /** The CRL extension with `oid`, if present. */
  extension(oid: string): Extension | undefined {
    return this.extensions.find((e) => e.oid === oid);
  }

  /** The entry at `index` (0-based, in encoded order). */
  entryAt(index: number): RevokedEntry {
    const offset = this.entryOffsets[index];
    if (offset === undefined || !Number.isInteger(index)) throw new RangeError(`no CRL entry at index ${index}`);
    return this.materialise(index, readTlv(this.der, offset, this.entriesEnd));
  }

  /** Every entry, in encoded order (materialised on first access, then kept). */
  get revoked(): readonly RevokedEntry[] {
    if (this.allEntries === undefined) {
      const all: RevokedEntry[] = new Array<RevokedEntry>(this.revokedCount);
      for (let i = 0; i < this.revokedCount; i++) all[i] = this.entryAt(i);
      this.allEntries = all;
    }
    return this.allEntries;
  }

  /**
   * The entry revoking `serial` (hex text in any case with optional `0x`/colons, magnitude octets
   * or a bigint), or undefined. The first call indexes every serial; later calls are O(1). When a
   * serial appears in several entries (indirect CRLs, RFC 5280 5.3.3), the first is returned: use
   * `findRevoked` and compare `certificateIssuer`.
   */
  isRevoked(serial: string | Uint8Array | bigint): RevokedEntry | undefined {
    const hit = this.index().get(normalizeSerialHex(serial));
    if (hit === undefined) return undefined;
    return this.entryAt(typeof hit === 'number' ? hit : hit[0]!);
  }

  /** Every entry naming `serial`, in encoded order (usually zero or one). */
  findRevoked(serial: string | Uint8Array | bigint): RevokedEntry[] {
    const hit = this.index().get(normalizeSerialHex(serial));
    if (hit === undefined) return [];
    return (typeof hit === 'number' ? [hit] : hit).map((i) => this.entryAt(i));
  }

  private index(): Map<string, number | number[]> {
    if (this.serialIndex === undefined) {
      const map = new Map<string, number | number[]>();
      for (let i = 0; i < this.revokedCount; i++) {
        const key = this.serialKeyAt(i);
        const seen = map.get(key);
        if (seen === undefined) map.set(key, i);
        else if (typeof seen === 'number') map.set(key, [seen, i]);
        else seen.push(i);
      }
      this.serialIndex = map;
    }
    return this.serialIndex;
  }

  /** The serial key of entry `i`, read straight from the already validated bytes (no full decode). */
  private serialKeyAt(i: number): string {
    const entry = readTlv(this.der, this.entryOffsets[i]!, this.entriesEnd);
    const serial = readTlv(this.der, entry.valueStart, entry.end);
    let start = serial.valueStart;
    if (serial.end - start > 1 && this.der[start] === 0) start++;
    return Buffer.from(this.der.buffer, this.der.byteOffset + start, serial.end - start).toString('hex');
  }

  private materialise(index: number, tlv: Tlv): RevokedEntry {
    const { ownCertificateIssuer: _own, ...entry } = decodeRevokedEntry(this.der, tlv, this.version === 2);
    return { ...entry, certificateIssuer: this.issuerFor(index) };
  }

  /** RFC 5280 5.3.3: an entry without certificateIssuer inherits the previous entry's issuer. */
  private issuerFor(index: number): readonly GeneralName[] | undefined {
    let lo = 0;
    let hi = this.issuerChanges.length - 1;
    let found: readonly GeneralName[] | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const change = this.issuerChanges[mid]!;
      if (change.index <= index) {
        found = change.names;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

function readCrlVersion(der: Uint8Array, tlv: Tlv | undefined): 1 | 2 {
  if (tlv === undefined) return 1;
  // RFC 5280 5.1.2.1: "This optional field ... if present, MUST specify version 2 (value 1)".
  if (tlv.end - tlv.valueStart !== 1 || der[tlv.valueStart] !== 1) {
    fail('ERR_CRL_BAD_VERSION', 'CRL version, when present, must be v2 (INTEGER 1)');
  }
  return 2;
}
