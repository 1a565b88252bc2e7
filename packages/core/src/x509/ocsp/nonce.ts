import { fail, KeylineError } from '../../errors/keyline-error.js';
import { Tag } from '../der/tags.js';
import { contentOf } from '../der/tlv.js';
import { parseDer } from '../der/validate.js';
import * as der from '../der/writer.js';
import type { Extension } from '../extensions/types.js';
import { OID } from '../oids.js';

/** RFC 8954 2.1: a nonce is 1 to 32 octets. */
export const MAX_NONCE_OCTETS = 32;

/**
 * Reads the id-pkix-ocsp-nonce extension value (RFC 6960 4.4.1, RFC 8954): `Nonce ::= OCTET STRING
 * (SIZE(1..32))` inside extnValue. Anything else (raw bytes without the inner OCTET STRING, an empty
 * or oversized nonce) is ERR_OCSP_BAD_NONCE.
 */
export function decodeNonce(value: Uint8Array): Uint8Array {
  let top;
  try {
    top = parseDer(value);
  } catch (error) {
    if (error instanceof KeylineError) fail('ERR_OCSP_BAD_NONCE', 'OCSP nonce extension value is not one DER element');
    throw error;
  }
  if (top.tag !== Tag.OCTET_STRING) fail('ERR_OCSP_BAD_NONCE', 'OCSP nonce must be an OCTET STRING');
  const nonce = contentOf(value, top);
  if (nonce.length < 1 || nonce.length > MAX_NONCE_OCTETS) {
    fail('ERR_OCSP_BAD_NONCE', `OCSP nonce has ${nonce.length} octets; RFC 8954 allows 1 to 32`);
  }
  return nonce;
}

/** The nonce extension (non-critical) for a request or a response. */
export function nonceExtension(nonce: Uint8Array): Extension {
  if (!(nonce instanceof Uint8Array) || nonce.length < 1 || nonce.length > MAX_NONCE_OCTETS) {
    fail('ERR_X509_BUILD_INVALID', 'OCSP nonce must be 1 to 32 octets (RFC 8954 2.1)');
  }
  return { oid: OID.ocspNonce, critical: false, value: der.octets(nonce) };
}

/** The nonce carried by an extension list, if any. */
export function nonceOf(extensions: readonly Extension[]): Uint8Array | undefined {
  const ext = extensions.find((e) => e.oid === OID.ocspNonce);
  return ext === undefined ? undefined : decodeNonce(ext.value);
}
