import { fail } from '../../errors/keyline-error.js';
import { readExtensionList } from '../certificate/extensions.js';
import { DerCursor } from '../der/cursor.js';
import { Tag } from '../der/tags.js';
import { readTime } from '../der/time.js';
import { encodingOf, type Tlv } from '../der/tlv.js';
import type { Extension, GeneralName } from '../extensions/types.js';
import { OID } from '../oids.js';
import { decodeCertificateIssuer, decodeInvalidityDate, decodeReasonCode } from './extension-values.js';
import type { CrlReason } from './reason.js';
import { readRevokedSerial, serialHexOf } from './serial.js';

/** One revokedCertificates entry of a CRL (RFC 5280 5.1.2.6), with its entry extensions decoded. */
export interface RevokedEntry {
  /** Serial as unsigned magnitude octets (no sign octet; zero is one 0x00 octet). */
  readonly serialNumber: Uint8Array;
  /** Lower-case hex of `serialNumber`: the same key as `Certificate.serialHex`. */
  readonly serialHex: string;
  readonly revocationDate: Date;
  /** reasonCode (RFC 5280 5.3.1); undefined when absent (which RFC 5280 prefers to `unspecified`). */
  readonly reason: CrlReason | undefined;
  /** invalidityDate (RFC 5280 5.3.2), when present. */
  readonly invalidityDate: Date | undefined;
  /**
   * The certificate issuer this entry applies to in an indirect CRL (RFC 5280 5.3.3): the entry's
   * own certificateIssuer extension, else the one inherited from the nearest earlier entry that
   * had one; undefined means the CRL issuer.
   */
  readonly certificateIssuer: readonly GeneralName[] | undefined;
  /** Every entry extension as encoded. */
  readonly extensions: readonly Extension[];
  /** DER of the whole entry. */
  readonly der: Uint8Array;
}

/** The entry extensions RFC 5280 5.3 defines (holdInstructionCode is obsolete and not handled). */
export const HANDLED_ENTRY_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.cRLReason,
  OID.invalidityDate,
  OID.certificateIssuer,
]);

/** An entry decoded on its own, before certificateIssuer inheritance is applied. */
export interface DecodedEntry extends Omit<RevokedEntry, 'certificateIssuer'> {
  /** This entry's own certificateIssuer extension, if any. */
  readonly ownCertificateIssuer: readonly GeneralName[] | undefined;
}

/**
 * Decodes one revokedCertificates entry. `allowExtensions` is false for v1 CRLs, where entry
 * extensions are forbidden (RFC 5280 5.1.2.1).
 */
export function decodeRevokedEntry(buf: Uint8Array, tlv: Tlv, allowExtensions: boolean): DecodedEntry {
  if (tlv.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_CRL', 'a revokedCertificates entry must be a SEQUENCE');
  const c = DerCursor.inside(buf, tlv, 'revokedCertificates entry');
  const serialNumber = readRevokedSerial(buf, c.expect(Tag.INTEGER, 'userCertificate'));
  const revocationDate = readTime(buf, c.next());
  const extsTlv = c.optional(Tag.SEQUENCE);
  c.finish();
  let extensions: readonly Extension[] = [];
  let reason: CrlReason | undefined;
  let invalidityDate: Date | undefined;
  let ownCertificateIssuer: readonly GeneralName[] | undefined;
  if (extsTlv !== undefined) {
    if (!allowExtensions) fail('ERR_CRL_EXTENSIONS_IN_V1', 'a v1 CRL entry carries crlEntryExtensions');
    extensions = readExtensionList(buf, extsTlv);
    for (const ext of extensions) {
      if (ext.oid === OID.cRLReason) reason = decodeReasonCode(ext.value);
      else if (ext.oid === OID.invalidityDate) invalidityDate = decodeInvalidityDate(ext.value);
      else if (ext.oid === OID.certificateIssuer) ownCertificateIssuer = decodeCertificateIssuer(ext.value);
    }
  }
  return {
    serialNumber,
    serialHex: serialHexOf(serialNumber),
    revocationDate,
    reason,
    invalidityDate,
    ownCertificateIssuer,
    extensions,
    der: encodingOf(buf, tlv),
  };
}
