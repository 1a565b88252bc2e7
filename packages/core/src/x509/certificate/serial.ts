import { fail } from '../../errors/keyline-error.js';
import { checkIntegerContent } from '../der/primitives.js';
import type { Tlv } from '../der/tlv.js';

/**
 * Reads CertificateSerialNumber (RFC 5280 4.1.2.2): a positive integer of at most 20 octets.
 * Returns the unsigned magnitude (the leading 0x00 sign octet dropped).
 */
export function readSerialNumber(buf: Uint8Array, tlv: Tlv): Uint8Array {
  const content = buf.subarray(tlv.valueStart, tlv.end);
  checkIntegerContent(content);
  if ((content[0]! & 0x80) !== 0) fail('ERR_X509_BAD_SERIAL', 'certificate serial number is negative');
  if (content.length > 20) fail('ERR_X509_BAD_SERIAL', 'certificate serial number is longer than 20 octets');
  const magnitude = content[0] === 0 ? content.subarray(1) : content;
  if (magnitude.length === 0) fail('ERR_X509_BAD_SERIAL', 'certificate serial number is zero');
  return magnitude;
}
