import { Tag } from '../../x509/der/tags.js';
import { readTlv } from '../../x509/der/tlv.js';

/**
 * The identifier octets of notBefore and notAfter in a TBSCertificate (RFC 5280 4.1.2.5): the
 * certificate view keeps the dates, not how they were encoded. A short walk of the already
 * validated TBS: version?, serialNumber, signature, issuer, validity.
 */
export function validityTags(tbs: Uint8Array): { notBefore: number; notAfter: number } {
  const top = readTlv(tbs, 0, tbs.length);
  let field = readTlv(tbs, top.valueStart, top.end);
  if (field.tag === (0xa0 as number)) field = readTlv(tbs, field.end, top.end);
  const signature = readTlv(tbs, field.end, top.end);
  const issuer = readTlv(tbs, signature.end, top.end);
  const validity = readTlv(tbs, issuer.end, top.end);
  if (validity.tag !== Tag.SEQUENCE) return { notBefore: -1, notAfter: -1 };
  const notBefore = readTlv(tbs, validity.valueStart, validity.end);
  const notAfter = readTlv(tbs, notBefore.end, validity.end);
  return { notBefore: notBefore.tag, notAfter: notAfter.tag };
}
