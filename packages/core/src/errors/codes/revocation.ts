import type { ErrorSpec } from '../spec.js';

/**
 * Failures of CRL (RFC 5280 section 5) and OCSP (RFC 6960) decoding that deserve a code more
 * precise than ERR_X509_BAD_CRL / ERR_X509_BAD_OCSP.
 */
export const REVOCATION_ERRORS = {
  ERR_CRL_BAD_VERSION: { message: 'CRL version must be absent (v1) or v2', kind: 'input' },
  ERR_CRL_EXTENSIONS_IN_V1: { message: 'a v1 CRL carries CRL or entry extensions', kind: 'input' },
  ERR_CRL_BAD_REASON: { message: 'CRL reason code is not a value RFC 5280 defines (7 is unused)', kind: 'input' },
  ERR_OCSP_BAD_VERSION: { message: 'OCSP request or response version is not v1', kind: 'input' },
  ERR_OCSP_BAD_STATUS: { message: 'OCSP response status is not a value RFC 6960 defines', kind: 'input' },
  ERR_OCSP_UNSUPPORTED_RESPONSE_TYPE: { message: 'OCSP response type is not id-pkix-ocsp-basic', kind: 'input' },
  ERR_OCSP_BAD_NONCE: { message: 'OCSP nonce is not an OCTET STRING of 1 to 32 octets', kind: 'input' },
} as const satisfies Record<string, ErrorSpec>;
