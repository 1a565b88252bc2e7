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
  ERR_CA_BAD_INPUT: { message: 'the request is malformed (see the message for the field)', kind: 'input' },
  ERR_CA_LABEL_TAKEN: { message: 'a CA with that label exists: choose another label', kind: 'state' },
  ERR_CA_WRONG_KIND: { message: 'this CA may not issue that kind of certificate', kind: 'invalid' },
  ERR_CA_NOT_PENDING: { message: 'the CA is not waiting for its certificate', kind: 'state' },
  ERR_CA_CERTIFICATE_MISMATCH: {
    message: "the certificate does not match the pending CA's key, kind or parent",
    kind: 'invalid',
  },
  ERR_CA_REQUEST_ID_CONFLICT: {
    message: 'the request id was already used at this CA for a different request: use a new request id',
    kind: 'state',
  },
  ERR_CA_REQUEST_PENDING: {
    message: 'an issuance under this request id is unfinished: retry later, or run recovery after a crash',
    kind: 'state',
  },
  ERR_CA_REQUEST_FAILED: {
    message: 'the issuance under this request id failed and was not completed: use a new request id',
    kind: 'state',
  },
  ERR_CA_NO_BASE_CRL: { message: 'a delta CRL needs a full CRL of the CA first: generate a full CRL', kind: 'state' },
  // store/
  ERR_STORE_CONFLICT: { message: 'the change conflicts with stored data (a unique key or state)', kind: 'state' },
  ERR_STORE_UNAVAILABLE: { message: 'the database cannot be opened or reached', kind: 'internal' },
  ERR_STORE_NOT_INITIALISED: { message: 'the data directory has no database: run keyline init', kind: 'state' },
  ERR_STORE_NOT_FOUND: { message: 'no stored record with that id', kind: 'invalid' },
  ERR_STORE_BAD_PAGE: { message: 'the page cursor or page size is not valid', kind: 'input' },
  ERR_STORE_BAD_URL: {
    message: 'the database URL is not sqlite:<path>, a file path, or postgres://… (postgresql://…)',
    kind: 'input',
  },
  ERR_STORE_NEWER_SCHEMA: { message: 'the database was made by a newer Keyline: upgrade Keyline', kind: 'state' },
  ERR_STORE_BAD_SETTING: { message: 'a store setting is not valid (see the message)', kind: 'input' },
  // keys/
  ERR_KEY_BAD_URI: { message: 'the key URI is not a file: or pkcs11: URI Keyline understands', kind: 'input' },
  ERR_KEY_NOT_FOUND: { message: 'no key at that URI', kind: 'invalid' },
  ERR_KEY_BAD_PASSPHRASE: { message: 'the passphrase does not decrypt the key', kind: 'auth' },
  ERR_KEY_NO_PASSPHRASE: {
    message: 'a passphrase is needed: use a prompt, --passphrase-file or KEYLINE_PASSPHRASE',
    kind: 'input',
  },
  ERR_KEY_PKCS11: { message: 'the PKCS#11 token refused the operation', kind: 'internal' },
  ERR_KEY_EXISTS: { message: 'a key already exists at that URI (Keyline never overwrites a key)', kind: 'state' },
  ERR_KEY_FILE_INVALID: { message: 'the key file is not an encrypted PKCS#8 private key', kind: 'invalid' },
  ERR_KEY_WEAK_PASSPHRASE: { message: 'the passphrase for a new key is too short', kind: 'input' },
  ERR_KEY_NO_PIN: {
    message: 'a token PIN is needed: pin-value or pin-source in the URI, a prompt or KEYLINE_PKCS11_PIN',
    kind: 'input',
  },
  ERR_KEY_BAD_PIN: { message: 'the token refused the PIN (wrong, expired or locked)', kind: 'auth' },
  ERR_KEY_PKCS11_MODULE: { message: 'the PKCS#11 module cannot be loaded or initialised', kind: 'input' },
  ERR_KEY_NOT_PROTECTED: {
    message: 'the token key is extractable or not sensitive; Keyline signs only with keys the token keeps',
    kind: 'invalid',
  },
  ERR_KEY_PROVIDER_CLOSED: { message: 'the key provider is closed', kind: 'state' },
  // audit/
  ERR_AUDIT_BROKEN: { message: 'the audit log is not intact', kind: 'invalid' },
  // manifest/ (the signed factory manifest, docs/manifest.md)
  ERR_MANIFEST_MALFORMED: { message: 'a manifest line is not a well-formed record of its kind', kind: 'invalid' },
  ERR_MANIFEST_NOT_CANONICAL: {
    message: 'a manifest line is not in its canonical form (field order, spacing, encodings)',
    kind: 'invalid',
  },
  ERR_MANIFEST_LINE_TOO_LONG: { message: 'a manifest line is longer than the format allows', kind: 'invalid' },
  ERR_MANIFEST_HEADER_INVALID: {
    message: 'the manifest header is missing or its issuer chain does not lead to the trust root',
    kind: 'invalid',
  },
  ERR_MANIFEST_INDEX_MISMATCH: {
    message: 'an entry is not at its place: entries were removed, added or reordered',
    kind: 'invalid',
  },
  ERR_MANIFEST_DEVICE_CERTIFICATE: {
    message: "a device certificate is malformed or is not issued by the header's issuing CA",
    kind: 'invalid',
  },
  ERR_MANIFEST_DEVICE_MISMATCH: {
    message: "an entry's device id, chip serial or public key differ from its certificate",
    kind: 'invalid',
  },
  ERR_MANIFEST_TRUNCATED: { message: 'the manifest ends before its signed root line', kind: 'invalid' },
  ERR_MANIFEST_TRAILING_DATA: { message: 'the manifest has data after its signed root line', kind: 'invalid' },
  ERR_MANIFEST_COUNT_MISMATCH: {
    message: 'the root line counts a different number of entries than the file holds',
    kind: 'invalid',
  },
  ERR_MANIFEST_TREE_HEAD_MISMATCH: {
    message: 'the Merkle tree head of the entries differs from the signed one: an entry was changed',
    kind: 'invalid',
  },
  ERR_MANIFEST_HEADER_HASH_MISMATCH: { message: 'the header differs from the one the root signs', kind: 'invalid' },
  ERR_MANIFEST_SIGNATURE_INVALID: { message: "the root line's signature does not verify", kind: 'invalid' },
  ERR_MANIFEST_SIGNER_UNTRUSTED: {
    message: "the manifest signer's certificate does not chain to the trust root through the issuing CA",
    kind: 'invalid',
  },
  ERR_MANIFEST_PROOF_INVALID: { message: 'the inclusion proof does not lead to the signed tree head', kind: 'invalid' },
  ERR_MANIFEST_INDEX_OUT_OF_RANGE: { message: 'no entry with that index in the manifest', kind: 'input' },
  ERR_MANIFEST_WRITER_STATE: { message: 'the manifest writer is closed or failed', kind: 'state' },
  // cli/ (the CA commands)
  ERR_CLI_USAGE: { message: 'the command line is not valid: see keyline <command> --help', kind: 'input' },
  ERR_CLI_UNWRITABLE_FILE: { message: 'a file named on the command line cannot be written', kind: 'input' },
  ERR_CLI_ALREADY_INITIALISED: {
    message: 'the database already holds a Keyline installation: keyline init refuses to change it',
    kind: 'state',
  },
  // server/
  ERR_SERVER_UNAUTHENTICATED: {
    message: 'an API token is required: send Authorization: Bearer <token>',
    kind: 'auth',
  },
  ERR_SERVER_BAD_TOKEN: { message: 'the API token is unknown or revoked', kind: 'auth' },
  ERR_SERVER_FORBIDDEN: { message: "the token's role does not allow this request", kind: 'auth' },
  ERR_SERVER_NOT_FOUND: { message: 'no such resource', kind: 'invalid' },
  ERR_SERVER_UNSUPPORTED_MEDIA_TYPE: {
    message: 'the request body has a content type this endpoint does not take',
    kind: 'input',
  },
  ERR_SERVER_BODY_TOO_LARGE: { message: 'the request body is larger than the server accepts', kind: 'input' },
  ERR_SERVER_BAD_JSON: { message: 'the request body is not valid JSON', kind: 'input' },
  ERR_SERVER_BAD_REQUEST: { message: "the request does not match the endpoint's schema", kind: 'input' },
  ERR_SERVER_BAD_BASE64: { message: 'the request body is not valid base64', kind: 'input' },
  ERR_SERVER_EST_NO_DEFAULT_CA: {
    message: 'there is no default EST CA: use /.well-known/est/<ca-label>/',
    kind: 'invalid',
  },
  ERR_SERVER_CLIENT_CERT_REQUIRED: {
    message: 'this endpoint needs a TLS client certificate (serve with --tls and present the current certificate)',
    kind: 'auth',
  },
  ERR_SERVER_CLIENT_CERT_INVALID: {
    message: 'the TLS client certificate is not a valid certificate of this CA',
    kind: 'auth',
  },
  ERR_SERVER_REENROLL_MISMATCH: {
    message: 'the CSR subject or subjectAltName differ from the certificate being renewed (RFC 7030 4.2.2)',
    kind: 'invalid',
  },
  ERR_SERVER_UNKNOWN_MANUFACTURER: { message: 'no manufacturer with that id', kind: 'invalid' },
  ERR_SERVER_CRL_UNAVAILABLE: { message: 'the CA has no CRL yet and cannot sign one now', kind: 'state' },
  ERR_SERVER_TLS_FILES: {
    message: 'the TLS certificate or key cannot be read, or they do not belong together',
    kind: 'input',
  },
  ERR_SERVER_LISTEN: {
    message: 'the server cannot listen on that address (in use or not permitted)',
    kind: 'internal',
  },
  ERR_SERVER_INTERNAL: { message: 'internal server error', kind: 'internal' },
} as const satisfies Record<string, ErrorSpec>;
