import type { ErrorSpec } from '../spec.js';

/**
 * Failures of the certificate authority service (package keyline: ca/, store/, keys/, audit/,
 * server/). Each area adds its codes in its own block below; re-read before editing.
 */
export const CA_ERRORS = {
  // ca/
  ERR_CA_NOT_FOUND: { message: 'no CA with that id', kind: 'invalid' },
  ERR_CA_NOT_ACTIVE: { message: 'the CA is not active', kind: 'state' },
  ERR_CA_FORBIDDEN: { message: 'the caller may not use this CA or operation', kind: 'auth' },
  ERR_CA_CSR_SIGNATURE: { message: 'the CSR signature does not verify (no proof of possession)', kind: 'invalid' },
  ERR_CA_PROFILE_VIOLATION: { message: 'the request violates the certificate profile', kind: 'invalid' },
  ERR_CA_CERTIFICATE_NOT_FOUND: { message: 'no certificate with that serial at this CA', kind: 'invalid' },
  ERR_CA_ALREADY_REVOKED: { message: 'the certificate is already revoked', kind: 'state' },
  ERR_CA_SIGNED_TBS_MISMATCH: { message: 'the signed certificate differs from the linted TBS', kind: 'internal' },
  // store/
  ERR_STORE_CONFLICT: { message: 'the change conflicts with stored data (a unique key or state)', kind: 'state' },
  ERR_STORE_UNAVAILABLE: { message: 'the database cannot be opened or reached', kind: 'internal' },
  ERR_STORE_NOT_INITIALISED: { message: 'the data directory has no database: run keyline init', kind: 'state' },
  // keys/
  ERR_KEY_BAD_URI: { message: 'the key URI is not a file: or pkcs11: URI Keyline understands', kind: 'input' },
  ERR_KEY_NOT_FOUND: { message: 'no key at that URI', kind: 'invalid' },
  ERR_KEY_BAD_PASSPHRASE: { message: 'the passphrase does not decrypt the key', kind: 'auth' },
  ERR_KEY_NO_PASSPHRASE: {
    message: 'a passphrase is needed: use a prompt, --passphrase-file or KEYLINE_PASSPHRASE',
    kind: 'input',
  },
  ERR_KEY_PKCS11: { message: 'the PKCS#11 token refused the operation', kind: 'internal' },
  // audit/
  ERR_AUDIT_BROKEN: { message: 'the audit log is not intact', kind: 'invalid' },
} as const satisfies Record<string, ErrorSpec>;
