/**
 * Recognises the commonest OCSP request without decoding it: one CertID, no nonce or other
 * extension, no requestor name, no signature (RFC 5019 2.1.1: what browsers and constrained
 * clients send). For such a request the responder's cache may already hold the answer
 * (`ocspCached`), and the CertID's DER is its key.
 *
 * This only walks the nesting OCSPRequest → TBSRequest → requestList → Request → CertID (RFC 6960
 * 4.1.1) with strict DER headers (definite, minimal lengths, each level exactly filled). It does not
 * read the CertID itself: a CertID is only ever found in the cache under bytes the full decoder
 * accepted. Anything else (a version field, extensions, several requests, a signature, any doubt)
 * is `undefined`, and the request takes the full path, which decodes it properly.
 */

const SEQUENCE = 0x30;

/** Where the content of the TLV at `at` starts and ends, if its header is strict DER; else undefined. */
function sequenceAt(der: Uint8Array, at: number, end: number): { start: number; end: number } | undefined {
  if (at + 2 > end || der[at] !== SEQUENCE) return undefined;
  const first = der[at + 1]!;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = at + 2;
  } else {
    const octets = first & 0x7f;
    // Requests are small: at most 2 length octets (64 KiB), no leading zero, no long form under 128.
    if (octets === 0 || octets > 2 || at + 2 + octets > end) return undefined;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[at + 2 + i]!;
    if (der[at + 2] === 0 || length < 0x80) return undefined;
    start = at + 2 + octets;
  }
  if (start + length > end) return undefined;
  return { start, end: start + length };
}

/** The DER of the single CertID of a simple request (see above), or undefined. */
export function simpleRequestCertId(der: Uint8Array): Uint8Array | undefined {
  // Each level is one SEQUENCE filling its parent exactly.
  let outer = { start: 0, end: der.length };
  for (let level = 0; level < 4; level++) {
    const inner = sequenceAt(der, outer.start, outer.end);
    if (inner === undefined || inner.end !== outer.end) return undefined;
    outer = inner;
  }
  // `outer` is now the Request's content: exactly one CertID, no singleRequestExtensions.
  const certId = sequenceAt(der, outer.start, outer.end);
  if (certId === undefined || certId.end !== outer.end) return undefined;
  return der.subarray(outer.start, outer.end);
}
