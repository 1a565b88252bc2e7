import { fail } from '../../errors/keyline-error.js';
import * as der from '../der/writer.js';
import { isSingleDerElement } from './decode-value.js';
import type { Extension } from './types.js';

/**
 * DER of `Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
 * extnValue OCTET STRING }` (RFC 5280 4.1). `critical` is omitted when false (DER, X.690 11.5).
 * `value` must be one DER element (extnValue holds "the DER encoding of an ASN.1 value").
 */
export function encodeExtension(ext: Extension): Uint8Array {
  if (!isSingleDerElement(ext.value)) {
    fail('ERR_X509_BUILD_INVALID', `extension ${ext.oid}: value is not one DER element`, { oid: ext.oid });
  }
  return ext.critical
    ? der.seq(der.oid(ext.oid), der.bool(true), der.octets(ext.value))
    : der.seq(der.oid(ext.oid), der.octets(ext.value));
}

/**
 * DER of `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`, in the order given (the [3]
 * EXPLICIT wrapper of a TBSCertificate is the caller's). Refuses an empty list and an extension
 * listed twice (RFC 5280 4.2: "A certificate MUST NOT include more than one instance of a
 * particular extension").
 */
export function encodeExtensions(list: readonly Extension[]): Uint8Array {
  if (list.length === 0) fail('ERR_X509_BUILD_INVALID', 'Extensions must hold at least one extension');
  const seen = new Set<string>();
  for (const ext of list) {
    if (seen.has(ext.oid)) fail('ERR_X509_BUILD_INVALID', `extension ${ext.oid} is listed twice`, { oid: ext.oid });
    seen.add(ext.oid);
  }
  return der.seq(...list.map(encodeExtension));
}
