import type { Certificate } from '../../x509/certificate/certificate.js';
import {
  extensionCodecs,
  knownExtensionName,
  type DecodedExtension,
  type KnownExtensionValue,
} from '../../x509/extensions/codecs.js';
import { namesEqual } from '../../x509/name/compare.js';
import type { Rdn } from '../../x509/name/types.js';

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

/** The key of the CertificateInfo kept with each certificate (Certificate.memo). */
const INFO = Symbol('keyline.certificateInfo');

/**
 * The decoded view of `certificate`, memoised per certificate object. Throws the KeylineError of
 * the first malformed known extension (ERR_X509_BAD_EXTENSION, ERR_DER_*).
 */
export function certificateInfo(certificate: Certificate): CertificateInfo {
  return certificate.memo(INFO, decodeInfo);
}

function decodeInfo(certificate: Certificate): CertificateInfo {
  const values: Values = {};
  for (const ext of certificate.extensions) {
    const name = knownExtensionName(ext.oid);
    if (name === undefined) continue;
    // Through the certificate's own per-OID memo, which the policy linter and the profile
    // detection read too (a device certificate is decoded once, not once per reader). The same
    // value as decoding ext.value here: the decoder refuses a certificate with an OID twice.
    (values as Record<string, unknown>)[name] = certificate.decoded(
      ext.oid,
      extensionCodecs[name].decode as (value: Uint8Array) => unknown,
    );
  }
  return {
    certificate,
    extensions: values,
    selfIssued: isSelfIssued(certificate),
    isCa: values.basicConstraints?.ca === true,
  };
}

/** True when `certificate` is self-issued, without decoding its extensions. */
export function isSelfIssued(certificate: Certificate): boolean {
  const { issuer, subject } = certificate;
  return !attributeTypesDiffer(issuer.rdns, subject.rdns) && namesEqual(issuer, subject);
}

/**
 * A cheap proof that two names differ: RFC 5280 7.1 matching (namesEqual) needs the same number of
 * RDNs and, RDN by RDN, the same attribute types (values are compared after preparation). A device
 * certificate's subject and issuer usually differ already in the type of their first RDN, so the
 * self-issued test of every new leaf need not prepare and compare its names' strings. False means
 * "not proven different", and namesEqual decides.
 */
function attributeTypesDiffer(a: readonly Rdn[], b: readonly Rdn[]): boolean {
  if (a.length !== b.length) return true;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return true;
    // Single-valued RDNs (the usual case) compare directly; a multi-valued RDN is a set.
    if (x.length === 1) {
      if (x[0]!.type !== y[0]!.type) return true;
      continue;
    }
    const types = x.map((attribute) => attribute.type).sort();
    const others = y.map((attribute) => attribute.type).sort();
    for (let j = 0; j < types.length; j++) if (types[j] !== others[j]) return true;
  }
  return false;
}
