import type { ErrorSpec } from '../spec.js';

/** Failures of X.509 structure decoding (certificates, CSRs, CRLs, OCSP) above the DER layer. */
export const X509_ERRORS = {
  ERR_PEM_MALFORMED: { message: 'PEM text is malformed or holds no block of the expected type', kind: 'input' },
  ERR_X509_BAD_VERSION: { message: 'certificate version is not v1, v2 or v3', kind: 'input' },
  ERR_X509_BAD_SERIAL: {
    message: 'certificate serial number is negative, zero or longer than 20 octets',
    kind: 'input',
  },
  ERR_X509_ALGORITHM_MISMATCH: { message: 'inner and outer signature algorithms differ', kind: 'input' },
  ERR_X509_DUPLICATE_EXTENSION: { message: 'an extension appears more than once', kind: 'input' },
  ERR_X509_BAD_EXTENSION: { message: 'an extension value is malformed', kind: 'input' },
  ERR_X509_EMPTY_EXTENSIONS: { message: 'extensions field is present but empty', kind: 'input' },
  ERR_X509_EXTENSIONS_IN_V1: {
    message: 'extensions or unique identifiers appear in a certificate below v3',
    kind: 'input',
  },
  ERR_X509_BAD_VALIDITY: { message: 'notBefore is after notAfter', kind: 'input' },
  ERR_X509_BAD_NAME: { message: 'distinguished name is malformed', kind: 'input' },
  ERR_X509_BAD_GENERAL_NAME: { message: 'general name is malformed', kind: 'input' },
  ERR_X509_BAD_ALGORITHM: { message: 'algorithm identifier is malformed', kind: 'input' },
  ERR_X509_BAD_PUBLIC_KEY: { message: 'subject public key is malformed', kind: 'input' },
  ERR_X509_BAD_CSR: { message: 'certification request is malformed', kind: 'input' },
  ERR_X509_BAD_CRL: { message: 'certificate revocation list is malformed', kind: 'input' },
  ERR_X509_BAD_OCSP: { message: 'OCSP request or response is malformed', kind: 'input' },
  ERR_X509_BUILD_INVALID: {
    message: 'the builder was given fields that cannot form a valid structure',
    kind: 'invalid',
  },
} as const satisfies Record<string, ErrorSpec>;
