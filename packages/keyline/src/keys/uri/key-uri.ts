import { fail } from '@keyline/core';
import { formatFileKeyUri, parseFileKeyUri, type FileKeyUri } from './file-uri.js';
import {
  MAX_KEY_URI_LENGTH,
  formatPkcs11KeyUri,
  parsePkcs11KeyUri,
  type FormatPkcs11Options,
  type Pkcs11KeyUri,
} from './pkcs11-uri.js';

/** Where a CA key lives: an encrypted file (`file:`) or a PKCS#11 token object (`pkcs11:`, RFC 7512). */
export type KeyUri = FileKeyUri | Pkcs11KeyUri;

/**
 * Reads a key URI. The scheme is case-insensitive (RFC 3986 3.1); anything but `file:` and
 * `pkcs11:`, or a malformed URI of either, is ERR_KEY_BAD_URI. A non-string is a TypeError.
 */
export function parseKeyUri(uri: string): KeyUri {
  if (typeof uri !== 'string') throw new TypeError('parseKeyUri needs a string');
  if (uri.length > MAX_KEY_URI_LENGTH)
    fail('ERR_KEY_BAD_URI', `key URI is longer than ${MAX_KEY_URI_LENGTH} characters`);
  const colon = uri.indexOf(':');
  const scheme = colon < 0 ? '' : uri.slice(0, colon).toLowerCase();
  if (scheme === 'file') return parseFileKeyUri(uri);
  if (scheme === 'pkcs11') return parsePkcs11KeyUri(uri);
  return fail(
    'ERR_KEY_BAD_URI',
    colon < 0
      ? 'key URI has no scheme: write file:<path> or pkcs11:<attributes>'
      : `key URI scheme "${uri.slice(0, colon)}" is neither file: nor pkcs11:`,
  );
}

/** The canonical text of a key URI (a PKCS#11 URI without its pin-value unless asked). */
export function formatKeyUri(uri: KeyUri, options: FormatPkcs11Options = {}): string {
  return uri.scheme === 'file' ? formatFileKeyUri(uri.path) : formatPkcs11KeyUri(uri, options);
}
