import { encodeSignatureAlgorithm } from '../../crypto/algorithms.js';
import { keyIdentifierFromSpki } from '../../crypto/hash.js';
import type { Signer } from '../../crypto/signer.js';
import { fail } from '../../errors/keyline-error.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { encodeAuthorityKeyIdentifier } from '../extensions/authority-key-identifier.js';
import { encodeExtensions } from '../extensions/extension.js';
import type { Extension } from '../extensions/types.js';
import { OID } from '../oids.js';
import { encodeCrlNumber, encodeInvalidityDate, encodeReasonCode } from './extension-values.js';
import { encodeIssuingDistributionPoint, type IssuingDistributionPointInput } from './issuing-distribution-point.js';
import { requireNameDer } from './name-input.js';
import { crlReasonCode, type CrlReason } from './reason.js';
import { normalizeSerialHex } from './serial.js';

/** One revoked certificate to list. */
export interface CrlEntryInput {
  /** The certificate serial: magnitude octets, hex text or a bigint (non-negative, at most 20 octets). */
  readonly serial: Uint8Array | string | bigint;
  readonly revocationDate: Date;
  /**
   * The reason (RFC 5280 5.3.1). `unspecified` is written by omitting reasonCode, as RFC 5280
   * 5.3.1 asks; `removeFromCRL` is accepted only in a delta CRL.
   */
  readonly reason?: CrlReason;
  /** invalidityDate (RFC 5280 5.3.2): when the key is known or suspected to have been compromised. */
  readonly invalidityDate?: Date;
}

/** What `buildCrl` needs. Always produces a v2 CRL with authorityKeyIdentifier and cRLNumber (RFC 5280 5.2). */
export interface BuildCrlInput {
  /** DER of the issuer Name: byte-identical to the issuing CA certificate's subject. */
  readonly issuer: Uint8Array;
  readonly thisUpdate: Date;
  /** Must be after thisUpdate (RFC 5280 5.1.2.5: conforming issuers always include it). */
  readonly nextUpdate: Date;
  readonly entries: readonly CrlEntryInput[];
  /** Monotonically increasing CRL number (RFC 5280 5.2.3), 0..2^159-1. */
  readonly crlNumber: bigint;
  /**
   * keyIdentifier of the authorityKeyIdentifier extension: the issuing CA certificate's
   * subjectKeyIdentifier. Default: SHA-1 of the signer's subjectPublicKey (RFC 5280 4.2.1.2 method 1).
   */
  readonly authorityKeyIdentifier?: Uint8Array;
  /** Makes this a delta CRL over the complete CRL with this number (RFC 5280 5.2.4); critical. */
  readonly deltaCrlIndicator?: bigint;
  /** The issuingDistributionPoint extension (RFC 5280 5.2.5); critical. */
  readonly issuingDistributionPoint?: IssuingDistributionPointInput;
  /** Further CRL extensions, appended in order after the ones above. */
  readonly extraExtensions?: readonly Extension[];
  readonly signer: Signer;
}

const MAX_SERIAL_OCTETS = 20;

/**
 * Builds and signs a v2 CRL (RFC 5280 section 5). Times use UTCTime through 2049 and
 * GeneralizedTime from 2050 (RFC 5280 5.1.2.4); entries keep the given order. Refuses
 * (ERR_X509_BUILD_INVALID): an issuer that is not a DER Name, nextUpdate not after thisUpdate, a serial
 * listed twice or longer than 20 octets, an unknown reason, removeFromCRL outside a delta CRL,
 * invalid dates. Returns the DER.
 */
export async function buildCrl(input: BuildCrlInput): Promise<Uint8Array> {
  const { issuer, signer } = input;
  requireNameDer(issuer, 'issuer');
  checkDate(input.thisUpdate, 'thisUpdate');
  checkDate(input.nextUpdate, 'nextUpdate');
  if (input.nextUpdate.getTime() <= input.thisUpdate.getTime()) {
    fail('ERR_X509_BUILD_INVALID', 'nextUpdate must be after thisUpdate');
  }
  const isDelta = input.deltaCrlIndicator !== undefined;
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);

  const entries = encodeEntries(input.entries, isDelta);
  const keyId = input.authorityKeyIdentifier ?? keyIdentifierFromSpki(signer.publicKeySpki);
  const extensions: Extension[] = [
    { oid: OID.authorityKeyIdentifier, critical: false, value: encodeAuthorityKeyIdentifier({ keyIdentifier: keyId }) },
    // RFC 5280 5.2.3: cRLNumber is non-critical; 5.2.4 and 5.2.5: the other two are critical.
    { oid: OID.cRLNumber, critical: false, value: encodeCrlNumber(input.crlNumber) },
  ];
  if (input.deltaCrlIndicator !== undefined) {
    extensions.push({ oid: OID.deltaCRLIndicator, critical: true, value: encodeCrlNumber(input.deltaCrlIndicator) });
  }
  if (input.issuingDistributionPoint !== undefined) {
    extensions.push({
      oid: OID.issuingDistributionPoint,
      critical: true,
      value: encodeIssuingDistributionPoint(input.issuingDistributionPoint),
    });
  }
  extensions.push(...(input.extraExtensions ?? []));

  const parts: Uint8Array[] = [
    der.int(1), // v2 (RFC 5280 5.1.2.1)
    algorithm,
    issuer,
    der.time(input.thisUpdate),
    der.time(input.nextUpdate),
  ];
  if (entries !== undefined) parts.push(entries);
  parts.push(der.explicit(0, encodeExtensions(extensions)));
  const tbs = der.tlv(Tag.SEQUENCE, der.concat(parts));
  const signature = await signer.sign(tbs);
  return der.seq(tbs, algorithm, der.bits(signature));
}

/** revokedCertificates, or undefined when empty (RFC 5280 5.1.2.6: absent, not an empty SEQUENCE). */
function encodeEntries(entries: readonly CrlEntryInput[], isDelta: boolean): Uint8Array | undefined {
  if (entries.length === 0) return undefined;
  const seen = new Set<string>();
  const encoded: Uint8Array[] = new Array<Uint8Array>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const hex = normalizeSerialHex(entry.serial);
    const magnitude = Buffer.from(hex, 'hex');
    // RFC 5280 4.1.2.2 bounds the encoded INTEGER (sign octet included) to 20 octets.
    if (magnitude.length + (magnitude[0]! >= 0x80 ? 1 : 0) > MAX_SERIAL_OCTETS) {
      fail('ERR_X509_BUILD_INVALID', `serial ${hex} does not fit 20 octets (RFC 5280 4.1.2.2)`);
    }
    if (seen.has(hex)) fail('ERR_X509_BUILD_INVALID', `serial ${hex} is listed twice`);
    seen.add(hex);
    checkDate(entry.revocationDate, 'revocationDate');
    const exts: Extension[] = [];
    if (entry.reason !== undefined) {
      crlReasonCode(entry.reason); // refuses names outside the enumeration
      if (entry.reason === 'removeFromCRL' && !isDelta) {
        fail('ERR_X509_BUILD_INVALID', 'removeFromCRL may only appear in a delta CRL (RFC 5280 5.3.1)');
      }
      if (entry.reason !== 'unspecified') {
        exts.push({ oid: OID.cRLReason, critical: false, value: encodeReasonCode(entry.reason) });
      }
    }
    if (entry.invalidityDate !== undefined) {
      exts.push({ oid: OID.invalidityDate, critical: false, value: encodeInvalidityDate(entry.invalidityDate) });
    }
    const serial = der.unsignedInt(magnitude);
    const time = der.time(entry.revocationDate);
    encoded[i] = exts.length === 0 ? der.seq(serial, time) : der.seq(serial, time, encodeExtensions(exts));
  }
  return der.tlv(Tag.SEQUENCE, der.concat(encoded));
}

function checkDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    fail('ERR_X509_BUILD_INVALID', `${what} is not a valid Date`);
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) fail('ERR_X509_BUILD_INVALID', `${what} must fall in 1950..9999`);
}
