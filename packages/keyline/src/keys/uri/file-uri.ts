import { isAbsolute, resolve } from 'node:path';
import { fail } from '@keyline/core';
import { isUnreserved, percentDecodeText, percentEncode } from './percent.js';

/** A software key: an encrypted PKCS#8 file. */
export interface FileKeyUri {
  readonly scheme: 'file';
  /** The decoded path; relative paths are relative to the data directory. */
  readonly path: string;
}

// RFC 3986 3.3: a path segment may hold unreserved characters, sub-delims, ":" and "@"; "/" separates
// segments. "?" and "#" would start a query or fragment, "%" an escape: they must be encoded. A space is
// taken literally (people type paths), although a strict URI would encode it.
const SUB_DELIMS = "!$&'()*+,;=";
function isPathLiteral(ch: string): boolean {
  return isUnreserved(ch) || SUB_DELIMS.includes(ch) || ch === ':' || ch === '@' || ch === '/' || ch === ' ';
}
function isPathKept(ch: string): boolean {
  return isUnreserved(ch) || SUB_DELIMS.includes(ch) || ch === ':' || ch === '@' || ch === '/';
}

/**
 * Reads `file:<path>`, `file:/abs/path`, `file:///abs/path` or `file://localhost/abs/path`
 * (RFC 8089 2 and appendix B). A relative `<path>` is kept relative (resolved later against the
 * data directory, so a data directory can move). Another host, a query or a fragment is
 * ERR_KEY_BAD_URI.
 */
export function parseFileKeyUri(uri: string): FileKeyUri {
  let rest = uri.slice('file:'.length);
  if (rest.startsWith('//')) {
    // RFC 8089 2: file://host/path; only the local host is a place Keyline can write a key.
    const slash = rest.indexOf('/', 2);
    const host = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    if (host !== '' && host.toLowerCase() !== 'localhost') {
      fail('ERR_KEY_BAD_URI', `file: key URI names host "${host}": only local files are keys`);
    }
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  if (rest === '') fail('ERR_KEY_BAD_URI', 'file: key URI has no path');
  const path = percentDecodeText(rest, isPathLiteral, 'file: key URI path');
  return { scheme: 'file', path };
}

/** The `file:` URI of a path (relative paths stay relative). */
export function formatFileKeyUri(path: string): string {
  if (path === '') throw new TypeError('formatFileKeyUri needs a path');
  const encoded = percentEncode(path, isPathKept);
  // An absolute path starting "//" would read as an authority: spell the empty authority out.
  return encoded.startsWith('//') ? `file://${encoded}` : `file:${encoded}`;
}

/** The absolute filesystem path of a file key: relative paths resolve against the data directory. */
export function fileKeyPath(uri: FileKeyUri, dataDir: string): string {
  return isAbsolute(uri.path) ? uri.path : resolve(dataDir, uri.path);
}
