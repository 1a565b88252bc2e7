import { fail } from '../../errors/keyline-error.js';
import { Tag } from '../der/tags.js';
import * as der from '../der/writer.js';
import { encodeExtensions } from '../extensions/extension.js';
import type { CertId } from './cert-id.js';
import { nonceExtension } from './nonce.js';

/** What `buildOcspRequest` needs. */
export interface BuildOcspRequestInput {
  /** The certificates asked about (see `certIdFor`). */
  readonly certIds: readonly CertId[];
  /** A nonce (1 to 32 octets, RFC 8954) sent as id-pkix-ocsp-nonce; the caller draws it from its random port. */
  readonly nonce?: Uint8Array;
}

/**
 * Builds an unsigned OCSP request (RFC 6960 4.1.1): version v1 (omitted, its DEFAULT), no
 * requestorName, one Request per CertID, and the nonce as the only request extension. Returns the DER.
 */
export function buildOcspRequest(input: BuildOcspRequestInput): Uint8Array {
  if (input.certIds.length === 0) fail('ERR_X509_BUILD_INVALID', 'an OCSP request needs at least one CertID');
  const requests = input.certIds.map((id) => der.seq(id.der));
  const parts = [der.tlv(Tag.SEQUENCE, der.concat(requests))];
  if (input.nonce !== undefined) parts.push(der.explicit(2, encodeExtensions([nonceExtension(input.nonce)])));
  return der.seq(der.seq(...parts));
}
