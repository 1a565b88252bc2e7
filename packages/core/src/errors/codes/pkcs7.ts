import type { ErrorSpec } from '../spec.js';

/** Failures of decoding PKCS #7 / CMS structures (RFC 5652), such as EST's certs-only responses. */
export const PKCS7_ERRORS = {
  ERR_PKCS7_MALFORMED: {
    message: 'the PKCS #7 / CMS structure is malformed or is not a certs-only SignedData',
    kind: 'input',
  },
} as const satisfies Record<string, ErrorSpec>;
