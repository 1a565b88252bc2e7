import { fail } from '../errors/keyline-error.js';
import { Certificate } from '../x509/certificate/certificate.js';
import { CertificateRevocationList } from '../x509/crl/certificate-revocation-list.js';
import { decodePemAll } from '../x509/pem.js';
import type { CertificateInput, CrlInput } from './types.js';

function asList<T>(input: T | readonly T[] | undefined): readonly T[] {
  if (input === undefined) return [];
  return Array.isArray(input) ? (input as readonly T[]) : [input as T];
}

function pemText(input: string | Uint8Array): string | undefined {
  if (typeof input === 'string') return input;
  const head = Buffer.from(input.subarray(0, 64)).toString('latin1');
  return head.includes('-----BEGIN ') ? Buffer.from(input).toString('latin1') : undefined;
}

/**
 * Every certificate in `input`: PEM text or bytes (each CERTIFICATE block), DER bytes, decoded
 * views, or an array of those. Throws the decoder's KeylineError for anything malformed, and
 * ERR_PEM_MALFORMED for PEM text without a CERTIFICATE block.
 */
export function certificatesFrom(input: CertificateInput | readonly CertificateInput[] | undefined): Certificate[] {
  const out: Certificate[] = [];
  for (const item of asList(input)) {
    if (item instanceof Certificate) {
      out.push(item);
      continue;
    }
    if (typeof item !== 'string' && !(item instanceof Uint8Array)) {
      throw new TypeError('a certificate must be PEM text, DER bytes or a Certificate');
    }
    const text = pemText(item);
    if (text === undefined) {
      out.push(Certificate.fromDer(item as Uint8Array));
      continue;
    }
    const blocks = decodePemAll(text).filter((b) => b.label === 'CERTIFICATE');
    if (blocks.length === 0) fail('ERR_PEM_MALFORMED', 'no CERTIFICATE PEM block found');
    for (const block of blocks) out.push(Certificate.fromDer(block.der));
  }
  return out;
}

/** Every CRL in `input`, as `certificatesFrom` does for certificates (PEM label X509 CRL). */
export function crlsFrom(input: CrlInput | readonly CrlInput[] | undefined): CertificateRevocationList[] {
  const out: CertificateRevocationList[] = [];
  for (const item of asList(input)) {
    if (item instanceof CertificateRevocationList) {
      out.push(item);
      continue;
    }
    if (typeof item !== 'string' && !(item instanceof Uint8Array)) {
      throw new TypeError('a CRL must be PEM text, DER bytes or a CertificateRevocationList');
    }
    const text = pemText(item);
    if (text === undefined) {
      out.push(CertificateRevocationList.fromDer(item as Uint8Array));
      continue;
    }
    const blocks = decodePemAll(text).filter((b) => b.label === 'X509 CRL');
    if (blocks.length === 0) fail('ERR_PEM_MALFORMED', 'no X509 CRL PEM block found');
    for (const block of blocks) out.push(CertificateRevocationList.fromDer(block.der));
  }
  return out;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * The validation time: a Date as given, or an ISO 8601 / RFC 3339 string. A string with a time of
 * day must carry its offset (`Z` or `±hh:mm`): a local time would depend on the machine. A date
 * alone means midnight UTC. Anything else fails with ERR_TRUST_BAD_TIME.
 */
export function validationTime(time: Date | string): Date {
  if (time instanceof Date) {
    if (Number.isNaN(time.getTime())) fail('ERR_TRUST_BAD_TIME', 'the validation time is an invalid Date');
    return time;
  }
  if (typeof time !== 'string') throw new TypeError('time must be a Date or an ISO 8601 string');
  const text = time.trim();
  if (!ISO_8601.test(text)) {
    fail(
      'ERR_TRUST_BAD_TIME',
      `"${text.slice(0, 40)}" is not an ISO 8601 time with an offset (e.g. 2025-01-31T12:00:00Z)`,
    );
  }
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const parsed = new Date(text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(parsed.getTime()) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day)
    fail('ERR_TRUST_BAD_TIME', `"${text.slice(0, 40)}" is not a valid date`);
  return parsed;
}
