import { encodeSignatureAlgorithm } from '../../crypto/algorithms.js';
import type { Signer } from '../../crypto/signer.js';
import { KeylineError, fail } from '../../errors/keyline-error.js';
import { Tag, contextConstructed } from '../der/tags.js';
import { parseDer } from '../der/validate.js';
import * as der from '../der/writer.js';
import { encodeExtensions } from '../extensions/extension.js';
import type { Extension } from '../extensions/types.js';
import { encodeValidity, serialContent } from './builder-fields.js';
import { Certificate } from './certificate.js';

/** The fields of a certificate to build, every one already in its final encoding. */
export interface CertificateFields {
  /** Serial number as unsigned big-endian magnitude octets (RFC 5280 4.1.2.2: positive, ≤ 20 octets encoded). */
  readonly serial: Uint8Array;
  /** DER of the issuer Name. */
  readonly issuer: Uint8Array;
  /** DER of the subject Name. */
  readonly subject: Uint8Array;
  /** Whole seconds; sub-second parts are dropped. */
  readonly notBefore: Date;
  /** Whole seconds; `NO_EXPIRATION` gives 802.1AR's 99991231235959Z. */
  readonly notAfter: Date;
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** Extensions in the order they are to appear; each OID at most once. None gives a v1 certificate. */
  readonly extensions?: readonly Extension[];
}

/** The fields of a TBSCertificate: the certificate's fields plus the signature AlgorithmIdentifier. */
export interface TbsCertificateFields extends CertificateFields {
  /** DER of the AlgorithmIdentifier the issuer will sign with (RFC 5280 4.1.2.3). */
  readonly signatureAlgorithm: Uint8Array;
}

const VERSION_3 = der.explicit(0, der.int(2));

/**
 * Encodes a TBSCertificate (RFC 5280 4.1) from already-encoded parts. The version is v3 when
 * extensions are given and v1 (the DEFAULT, omitted) otherwise, as RFC 5280 4.1.2.1 recommends.
 *
 * Refuses with ERR_X509_BUILD_INVALID: a zero or over-long serial, notBefore after notAfter,
 * times outside years 0000..9999, a repeated extension OID, and names, key or extension values
 * that are not single well-formed DER elements. It does not check any profile (that is policy's
 * lint) and does not check that the key or names make sense together.
 */
export function buildTbsCertificate(fields: TbsCertificateFields): Uint8Array {
  const extensions = fields.extensions ?? [];
  const parts: Uint8Array[] = [];
  if (extensions.length > 0) parts.push(VERSION_3);
  parts.push(
    der.tlv(Tag.INTEGER, serialContent(fields.serial)),
    checkedElement(fields.signatureAlgorithm, 'signatureAlgorithm', Tag.SEQUENCE),
    checkedElement(fields.issuer, 'issuer', Tag.SEQUENCE),
    encodeValidity(fields.notBefore, fields.notAfter),
    checkedElement(fields.subject, 'subject', Tag.SEQUENCE),
    checkedElement(fields.spki, 'spki', Tag.SEQUENCE),
  );
  if (extensions.length > 0) parts.push(der.tlv(contextConstructed(3), extensionsDer(extensions)));
  return der.tlv(Tag.SEQUENCE, der.concat(parts));
}

/** The DER `Extensions` (RFC 5280 4.1.2.9), after checking each OID is a dotted OID X.660 allows. */
function extensionsDer(extensions: readonly Extension[]): Uint8Array {
  for (const ext of extensions) {
    try {
      der.oidContent(ext.oid);
    } catch {
      fail('ERR_X509_BUILD_INVALID', `extension OID "${String(ext.oid).slice(0, 40)}" is not a valid dotted OID`);
    }
  }
  // Refuses a repeated OID and values that are not one DER element (RFC 5280 4.2).
  return encodeExtensions(extensions);
}

/** Joins a TBSCertificate, its signature algorithm and signature value into a Certificate (RFC 5280 4.1.1). */
export function assembleCertificate(
  tbs: Uint8Array,
  signatureAlgorithm: Uint8Array,
  signature: Uint8Array,
): Uint8Array {
  return der.seq(tbs, signatureAlgorithm, der.bits(signature));
}

/**
 * Builds and signs a certificate with `signer` (its algorithm fills the signature fields), then
 * parses the result back with the strict `Certificate.fromDer` as a check: what is returned is
 * always a certificate Keyline itself accepts. Refusals are ERR_X509_BUILD_INVALID.
 */
export async function buildCertificate(fields: CertificateFields, signer: Signer): Promise<Certificate> {
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);
  const tbs = buildTbsCertificate({ ...fields, signatureAlgorithm: algorithm });
  const signature = await signer.sign(tbs);
  return readBack(assembleCertificate(tbs, algorithm, signature));
}

/** `buildCertificate` for signers with a synchronous path (`signSync`, software keys). */
export function buildCertificateSync(fields: CertificateFields, signer: Signer): Certificate {
  if (signer.signSync === undefined) throw new TypeError('buildCertificateSync needs a signer with a synchronous path');
  const algorithm = encodeSignatureAlgorithm(signer.algorithm);
  const tbs = buildTbsCertificate({ ...fields, signatureAlgorithm: algorithm });
  return readBack(assembleCertificate(tbs, algorithm, signer.signSync(tbs)));
}

/** The fields of a self-signed certificate: the issuer is the subject and the key is the signer's. */
export type SelfSignedFields = Omit<CertificateFields, 'issuer' | 'spki'>;

/**
 * A self-signed certificate (a root CA, RFC 5280 3.2): issuer = subject and the subject key is
 * the signer's own `publicKeySpki`.
 */
export function selfSign(fields: SelfSignedFields, signer: Signer): Promise<Certificate> {
  return buildCertificate({ ...fields, issuer: fields.subject, spki: signer.publicKeySpki }, signer);
}

/** `selfSign` for signers with a synchronous path. */
export function selfSignSync(fields: SelfSignedFields, signer: Signer): Certificate {
  return buildCertificateSync({ ...fields, issuer: fields.subject, spki: signer.publicKeySpki }, signer);
}

function readBack(certificateDer: Uint8Array): Certificate {
  try {
    return Certificate.fromDer(certificateDer);
  } catch (error) {
    if (!(error instanceof KeylineError)) throw error;
    throw new KeylineError(
      'ERR_X509_BUILD_INVALID',
      `the built certificate does not decode: ${error.message}`,
      { reason: error.code },
      { cause: error },
    );
  }
}

/** Checks `bytes` is exactly one well-formed DER element (with tag `tag` when given). */
function checkedElement(bytes: Uint8Array, field: string, tag?: number): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array of DER`);
  let top;
  try {
    top = parseDer(bytes);
  } catch (error) {
    if (!(error instanceof KeylineError)) throw error;
    throw new KeylineError('ERR_X509_BUILD_INVALID', `${field} is not one DER element: ${error.message}`, {
      reason: error.code,
    });
  }
  if (tag !== undefined && top.tag !== tag) fail('ERR_X509_BUILD_INVALID', `${field} must be a DER SEQUENCE`);
  return bytes;
}
