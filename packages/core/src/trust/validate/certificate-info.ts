import type { Certificate } from '../../x509/certificate/certificate.js';
import { decodeKnownExtension, type DecodedExtension, type KnownExtensionValue } from '../../x509/extensions/codecs.js';
import { namesEqual } from '../../x509/name/compare.js';

type Values = { -readonly [K in DecodedExtension['name']]?: KnownExtensionValue<K> };

/**
 * Every extension of a certificate that Keyline knows, decoded once, plus the facts path
 * validation asks about again and again. Building it decodes all known extensions, so a malformed
 * one (even one no later step would read, such as a subjectAltName when no name constraint applies)
 * refuses the certificate: a certificate-using system must not act on a certificate it cannot read.
 */
export interface CertificateInfo {
  readonly certificate: Certificate;
  readonly extensions: Readonly<Values>;
  /** Issuer and subject match under RFC 5280 7.1 comparison (RFC 5280 6.1: "self-issued"). */
  readonly selfIssued: boolean;
  /** basicConstraints is present with cA TRUE. */
  readonly isCa: boolean;
}

const cache = new WeakMap<Certificate, CertificateInfo>();

/**
 * The decoded view of `certificate`, memoised per certificate object. Throws the KeylineError of
 * the first malformed known extension (ERR_X509_BAD_EXTENSION, ERR_DER_*).
 */
export function certificateInfo(certificate: Certificate): CertificateInfo {
  const cached = cache.get(certificate);
  if (cached !== undefined) return cached;
  const values: Values = {};
  for (const ext of certificate.extensions) {
    const decoded = decodeKnownExtension(ext);
    if (decoded !== undefined) (values as Record<string, unknown>)[decoded.name] = decoded.value;
  }
  const info: CertificateInfo = {
    certificate,
    extensions: values,
    selfIssued: namesEqual(certificate.issuer, certificate.subject),
    isCa: values.basicConstraints?.ca === true,
  };
  cache.set(certificate, info);
  return info;
}

/** True when `certificate` is self-issued, without decoding its extensions. */
export function isSelfIssued(certificate: Certificate): boolean {
  return namesEqual(certificate.issuer, certificate.subject);
}
