import type { OcspResponseStatus } from '@keyline/core';

/**
 * The responseStatus of a DER OCSPResponse and, for a successful one, the certStatus of its first
 * SingleResponse (RFC 6960 4.2.1), for the HTTP status and the metrics of the endpoint. It walks
 * only the headers on the way (OCSPResponse → responseBytes → BasicOCSPResponse → tbsResponseData
 * → responses → SingleResponse), where decoding the whole response (with its certificate) cost
 * more than signing it. Responses come from our own responder; anything unexpected is undefined,
 * and the caller decodes in full.
 */
export function ocspStatusesOf(der: Uint8Array): { response: OcspResponseStatus; cert: string } | undefined {
  const outer = tlvAt(der, 0, der.length);
  if (outer?.tag !== 0x30 || outer.end !== der.length) return undefined;
  const status = tlvAt(der, outer.start, outer.end);
  if (status?.tag !== 0x0a || status.end - status.start !== 1) return undefined;
  const response = RESPONSE_STATUS[der[status.start]!];
  if (response === undefined) return undefined;
  if (response !== 'successful') return status.end === outer.end ? { response, cert: 'none' } : undefined;
  // responseBytes [0] EXPLICIT SEQUENCE { responseType OID, response OCTET STRING }
  const explicit = tlvAt(der, status.end, outer.end);
  if (explicit?.tag !== 0xa0) return undefined;
  const bytes = tlvAt(der, explicit.start, explicit.end);
  if (bytes?.tag !== 0x30) return undefined;
  const type = tlvAt(der, bytes.start, bytes.end);
  if (type?.tag !== 0x06) return undefined;
  const octets = tlvAt(der, type.end, bytes.end);
  if (octets?.tag !== 0x04) return undefined;
  const basic = tlvAt(der, octets.start, octets.end);
  if (basic?.tag !== 0x30) return undefined;
  const tbs = tlvAt(der, basic.start, basic.end);
  if (tbs?.tag !== 0x30) return undefined;
  let field = tlvAt(der, tbs.start, tbs.end);
  if (field?.tag === 0xa0) field = tlvAt(der, field.end, tbs.end); // version
  if (field?.tag !== 0xa1 && field?.tag !== 0xa2) return undefined; // responderID
  const producedAt = tlvAt(der, field.end, tbs.end);
  if (producedAt?.tag !== 0x18) return undefined;
  const responses = tlvAt(der, producedAt.end, tbs.end);
  if (responses?.tag !== 0x30) return undefined;
  const single = tlvAt(der, responses.start, responses.end);
  if (single?.tag !== 0x30) return undefined;
  const certId = tlvAt(der, single.start, single.end);
  if (certId?.tag !== 0x30) return undefined;
  const certStatus = tlvAt(der, certId.end, single.end);
  const cert = certStatus === undefined ? undefined : CERT_STATUS[certStatus.tag];
  return cert === undefined ? undefined : { response, cert };
}

const RESPONSE_STATUS: Readonly<Record<number, OcspResponseStatus>> = {
  0: 'successful',
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/** CertStatus CHOICE: good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT. */
const CERT_STATUS: Readonly<Record<number, string>> = { 0x80: 'good', 0xa1: 'revoked', 0x82: 'unknown' };

/** The tag and content bounds of the TLV at `at` (definite lengths, up to 4 length octets), within `end`. */
function tlvAt(der: Uint8Array, at: number, end: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > end) return undefined;
  const tag = der[at]!;
  const first = der[at + 1]!;
  let length = first;
  let start = at + 2;
  if (first >= 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > end) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  return start + length > end ? undefined : { tag, start, end: start + length };
}
