import { fail } from '../../errors/keyline-error.js';
import { integerFromContent } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import { readGeneralizedTimeLenient } from '../der/time.js';
import { contentOf } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { badExtension, decodeExtensionValue } from '../extensions/decode-value.js';
import { readGeneralNames } from '../extensions/general-name.js';
import type { GeneralName } from '../extensions/types.js';
import { crlReasonCode, crlReasonFromCode, type CrlReason } from './reason.js';

/** RFC 5280 5.2.3: CRL numbers (and base CRL numbers, 5.2.4) are at most 20 octets. */
const MAX_CRL_NUMBER_OCTETS = 20;

function readCrlNumberLike(value: Uint8Array, extension: string): bigint {
  return decodeExtensionValue(value, extension, (buf, top) => {
    if (top.tag !== Tag.INTEGER) badExtension(extension, 'must be an INTEGER');
    const content = contentOf(buf, top);
    if (content.length > MAX_CRL_NUMBER_OCTETS) badExtension(extension, 'is longer than 20 octets (RFC 5280 5.2.3)');
    const n = integerFromContent(content);
    if (n < 0n) badExtension(extension, 'must not be negative (INTEGER (0..MAX))');
    return n;
  });
}

/** cRLNumber (RFC 5280 5.2.3): a non-negative INTEGER of at most 20 octets. */
export function decodeCrlNumber(value: Uint8Array): bigint {
  return readCrlNumberLike(value, 'cRLNumber');
}

/** deltaCRLIndicator (RFC 5280 5.2.4): the BaseCRLNumber, same rules as cRLNumber. */
export function decodeDeltaCrlIndicator(value: Uint8Array): bigint {
  return readCrlNumberLike(value, 'deltaCRLIndicator');
}

/** DER of a cRLNumber or BaseCRLNumber value; refuses negatives and values over 20 octets. */
export function encodeCrlNumber(n: bigint): Uint8Array {
  if (typeof n !== 'bigint' || n < 0n) fail('ERR_X509_BUILD_INVALID', 'CRL number must be a non-negative bigint');
  const encoded = der.int(n);
  if (encoded.length - 2 > MAX_CRL_NUMBER_OCTETS) fail('ERR_X509_BUILD_INVALID', 'CRL number exceeds 20 octets');
  return encoded;
}

/**
 * reasonCode (RFC 5280 5.3.1): CRLReason ENUMERATED. A well-formed value that the enumeration does
 * not define (7, or above 10) is ERR_CRL_BAD_REASON rather than a generic extension error.
 */
export function decodeReasonCode(value: Uint8Array): CrlReason {
  const code = decodeExtensionValue(value, 'reasonCode', (buf, top) => {
    if (top.tag !== Tag.ENUMERATED) badExtension('reasonCode', 'must be an ENUMERATED');
    return integerFromContent(contentOf(buf, top), 4);
  });
  if (code < 0n || code > 0xffn) fail('ERR_CRL_BAD_REASON', `CRL reason code ${code} is not defined by RFC 5280 5.3.1`);
  return crlReasonFromCode(Number(code));
}

export function encodeReasonCode(reason: CrlReason): Uint8Array {
  return der.int(crlReasonCode(reason), Tag.ENUMERATED);
}

/** invalidityDate (RFC 5280 5.3.2): a GeneralizedTime; fractional seconds are tolerated when reading. */
export function decodeInvalidityDate(value: Uint8Array): Date {
  return decodeExtensionValue(value, 'invalidityDate', (buf, top) => readGeneralizedTimeLenient(buf, top));
}

/** DER of an invalidityDate value: GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5.2 form). */
export function encodeInvalidityDate(date: Date): Uint8Array {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    fail('ERR_X509_BUILD_INVALID', 'invalidityDate is not a valid Date');
  return der.generalizedTime(date);
}

/** certificateIssuer (RFC 5280 5.3.3): GeneralNames, non-empty. */
export function decodeCertificateIssuer(value: Uint8Array): GeneralName[] {
  return decodeExtensionValue(value, 'certificateIssuer', (buf, top) => {
    if (top.tag !== Tag.SEQUENCE) badExtension('certificateIssuer', 'must be a SEQUENCE of GeneralName');
    return readGeneralNames(buf, top);
  });
}
