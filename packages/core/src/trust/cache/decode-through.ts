import { Certificate } from '../../x509/certificate/certificate.js';
import type { CertificateInput } from '../types.js';
import type { ValidationCache } from './validation-cache.js';

/**
 * `input` with every DER item replaced by the cache's decoded certificate, ready for
 * `certificatesFrom`. PEM text and bytes are left as they are (their DER is what the cache would
 * key on, but finding it costs the PEM decoding the cache saves). The test for DER is the one
 * `certificatesFrom` makes, so each item decodes exactly as it would without a cache; from an item
 * of a wrong type on, the rest is passed through so the same TypeError comes first.
 */
export function decodeThrough(
  cache: ValidationCache,
  input: CertificateInput | readonly CertificateInput[] | undefined,
): CertificateInput | readonly CertificateInput[] | undefined {
  if (input === undefined) return input;
  const items: readonly CertificateInput[] = Array.isArray(input)
    ? (input as readonly CertificateInput[])
    : [input as CertificateInput];
  const out: CertificateInput[] = [];
  for (const [index, item] of items.entries()) {
    if (item instanceof Certificate || typeof item === 'string') {
      out.push(item);
    } else if (item instanceof Uint8Array) {
      out.push(isPem(item) ? item : cache.certificateFromDer(item));
    } else {
      out.push(...items.slice(index));
      break;
    }
  }
  return out;
}

/** The check of inputs.ts: PEM bytes announce themselves within their first 64 bytes. */
function isPem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 64)).toString('latin1').includes('-----BEGIN ');
}
