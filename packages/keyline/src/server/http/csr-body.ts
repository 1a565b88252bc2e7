import { CertificationRequest, KeylineError } from '@keyline/core';
import { decodeBase64Body } from './base64.js';

const PEM_BEGIN = '-----BEGIN ';

/**
 * A PKCS #10 request from what a client sent: PEM text, DER bytes, or base64 of the DER (as EST
 * sends it). Decoded strictly (CertificationRequest.fromDer), so malformed requests end here with
 * ERR_DER_* / ERR_X509_BAD_CSR / ERR_PEM_MALFORMED (400) before anything reaches the CA. The
 * signature is not checked here: the CA checks it as proof of possession.
 */
export function csrFromBytes(body: Uint8Array | string): CertificationRequest {
  const bytes = typeof body === 'string' ? new Uint8Array(Buffer.from(body, 'utf8')) : body;
  if (bytes.length === 0) throw new KeylineError('ERR_SERVER_BAD_REQUEST', 'the request body is empty: send a CSR');
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart();
  if (head.startsWith(PEM_BEGIN)) return CertificationRequest.fromPem(Buffer.from(bytes).toString('latin1'));
  // DER starts with SEQUENCE (0x30, also the character '0') and has length octets and key bytes
  // outside the base64 alphabet; anything else is taken as base64 (and refused as such).
  const text = Buffer.from(bytes).toString('latin1');
  if (bytes[0] === 0x30 && !/^[A-Za-z0-9+/=\s]+$/.test(text)) return CertificationRequest.fromDer(bytes);
  return CertificationRequest.fromDer(decodeBase64Body(text, 'the CSR'));
}

/** EST's form only: base64 of the DER (RFC 7030 4.2.1; RFC 8951 3). */
export function csrFromEstBody(body: Uint8Array | string): CertificationRequest {
  return CertificationRequest.fromDer(decodeBase64Body(body, 'the PKCS#10 request'));
}
