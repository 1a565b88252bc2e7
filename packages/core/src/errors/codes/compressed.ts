import type { ErrorSpec } from '../spec.js';

/**
 * Failures of the compressed device certificate codec (`issuance/compressed/`): certificates that
 * cannot be stored compressed, and compressed bytes read back from a chip that cannot be rebuilt.
 */
export const COMPRESSED_ERRORS = {
  // Compressing: the certificate does not fit the format
  ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE: {
    message:
      'the validity cannot be stored compressed: notBefore must be on a whole hour in 2000-2127 and notAfter whole years later (1-31) or 99991231235959Z',
    kind: 'invalid',
  },
  ERR_COMPRESSED_SERIAL_NOT_DERIVED: {
    message: 'the certificate serial number is not the one derived from its public key and dates',
    kind: 'invalid',
  },
  ERR_COMPRESSED_TEMPLATE_MISMATCH: {
    message: "the certificate or compressed bytes were not made with this issuing CA's device template",
    kind: 'invalid',
  },
  ERR_COMPRESSED_NOT_REBUILDABLE: {
    message: 'the certificate cannot be rebuilt byte-exact from its compressed form',
    kind: 'invalid',
  },
  // Rebuilding: malformed compressed bytes or inputs
  ERR_COMPRESSED_LENGTH: { message: 'compressed certificate has the wrong length', kind: 'input' },
  ERR_COMPRESSED_VERSION: { message: 'compressed certificate has an unknown format version', kind: 'input' },
  ERR_COMPRESSED_BAD_DATES: { message: 'compressed certificate holds an impossible date encoding', kind: 'input' },
  ERR_COMPRESSED_BAD_SIGNATURE: {
    message: 'compressed certificate signature r or s is zero or not below the P-256 order',
    kind: 'input',
  },
  ERR_COMPRESSED_BAD_INPUT: {
    message: 'public key must be a 65-byte uncompressed P-256 point and chip serial 4-32 bytes',
    kind: 'input',
  },
} as const satisfies Record<string, ErrorSpec>;
