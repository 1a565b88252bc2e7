import { compareMagnitude } from '../../crypto/curves.js';
import { parsePublicKeyInfo } from '../../crypto/public-key.js';
import { ecdsaSignatureFromRaw, ecdsaSignatureToRaw } from '../../crypto/signature-format.js';
import { fail, isKeylineError } from '../../errors/keyline-error.js';
import { assembleCertificate } from '../../x509/certificate/builder.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import { NO_EXPIRATION } from '../../x509/der/time.js';
import * as der from '../../x509/der/writer.js';
import { P256_SPKI_PREFIX } from '../template/device-input.js';
import { decodeCompressedDates, encodeCompressedDates } from './dates.js';
import {
  DATES_LENGTH,
  DATES_OFFSET,
  SIGNATURE_OFFSET,
  TEMPLATE_ID_LENGTH,
  TEMPLATE_ID_OFFSET,
  VERSION_OFFSET,
} from './format.js';
import { deriveSignerSerial, type SignerTemplate } from './signer-template.js';

/** Format version octet of compressed signer certificates: distinct from the device format's 1. */
export const COMPRESSED_SIGNER_FORMAT_VERSION = 0x81;

/** What rebuilds a signer certificate besides its template. */
export interface CompressedSignerSource {
  /** The octets `compressSignerCertificate` returned. */
  readonly compressed: Uint8Array;
  /** The issuing CA's public key: its DER SubjectPublicKeyInfo, or a 65-octet uncompressed P-256 point. */
  readonly publicKey: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function spkiOf(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array)) fail('ERR_COMPRESSED_BAD_INPUT', 'publicKey must be octets');
  if (publicKey.length === 65 && publicKey[0] === 0x04) return der.concat([P256_SPKI_PREFIX, publicKey]);
  try {
    parsePublicKeyInfo(publicKey);
  } catch (error) {
    if (isKeylineError(error))
      fail('ERR_COMPRESSED_BAD_INPUT', `publicKey is not a SubjectPublicKeyInfo: ${error.message}`);
    throw error;
  }
  return publicKey;
}

/**
 * Compresses an issuing CA certificate made with `template`'s recipe into 8 + 2 × (issuer curve
 * size) octets: 72 under a P-256 manufacturer CA, 104 under P-384. Same layout as the device format
 * with version 0x81; the validity must be notBefore on a whole hour plus 1–31 whole years
 * (no-expiration is not a CA validity here), the serial `deriveSignerSerial`'s. Refuses with the
 * ERR_COMPRESSED_* codes the device codec uses.
 */
export function compressSignerCertificate(template: SignerTemplate, certDer: Uint8Array): Uint8Array {
  const cert = Certificate.fromDer(certDer);
  const dates = encodeCompressedDates(cert.notBefore, cert.notAfter);
  if (cert.notAfter.getTime() === NO_EXPIRATION.getTime()) {
    fail('ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE', 'a signer certificate needs a whole-year validity');
  }
  if (!sameBytes(deriveSignerSerial(cert.spki, cert.notBefore, cert.notAfter), cert.serialNumber)) {
    fail('ERR_COMPRESSED_SERIAL_NOT_DERIVED', 'use deriveSignerSerial(spki, notBefore, notAfter) when issuing');
  }
  let signature: Uint8Array;
  try {
    signature = ecdsaSignatureToRaw(cert.signatureValue, template.curve);
  } catch (error) {
    if (isKeylineError(error))
      fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', `not the issuer curve's signature: ${error.message}`);
    throw error;
  }
  const out = new Uint8Array(template.compressedLength);
  out[VERSION_OFFSET] = COMPRESSED_SIGNER_FORMAT_VERSION;
  out.set(template.id, TEMPLATE_ID_OFFSET);
  out.set(dates, DATES_OFFSET);
  out.set(signature, SIGNATURE_OFFSET);
  let rebuilt: Uint8Array;
  try {
    rebuilt = rebuildSignerCertificate(template, { compressed: out, publicKey: cert.spki });
  } catch (error) {
    if (isKeylineError(error) && error.code === 'ERR_COMPRESSED_NOT_REBUILDABLE') {
      fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', error.message);
    }
    throw error;
  }
  if (!sameBytes(rebuilt, certDer)) {
    fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', 'the certificate differs from what this signer template writes');
  }
  return out;
}

/**
 * Rebuilds the byte-exact DER of an issuing CA certificate from its compressed form, `template`
 * and the CA's public key. Refuses malformed input with ERR_COMPRESSED_LENGTH, _VERSION,
 * _TEMPLATE_MISMATCH, _BAD_DATES, _BAD_SIGNATURE, _BAD_INPUT; ERR_COMPRESSED_NOT_REBUILDABLE when
 * the recipe refuses the decoded fields. It does not verify the signature.
 */
export function rebuildSignerCertificate(template: SignerTemplate, source: CompressedSignerSource): Uint8Array {
  const { compressed } = source;
  if (!(compressed instanceof Uint8Array) || compressed.length !== template.compressedLength) {
    fail(
      'ERR_COMPRESSED_LENGTH',
      `a compressed signer certificate under this template has ${template.compressedLength} octets`,
    );
  }
  if (compressed[VERSION_OFFSET] !== COMPRESSED_SIGNER_FORMAT_VERSION) {
    fail('ERR_COMPRESSED_VERSION', `format version ${compressed[VERSION_OFFSET]} is not a signer certificate's`);
  }
  if (!sameBytes(compressed.subarray(TEMPLATE_ID_OFFSET, TEMPLATE_ID_OFFSET + TEMPLATE_ID_LENGTH), template.id)) {
    fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', "the template id is not this signer template's");
  }
  const { notBefore, notAfter, expireYears } = decodeCompressedDates(
    compressed.subarray(DATES_OFFSET, DATES_OFFSET + DATES_LENGTH),
  );
  if (expireYears === 0) fail('ERR_COMPRESSED_BAD_DATES', 'a signer certificate has a whole-year validity');
  const size = template.curve.size;
  const raw = compressed.subarray(SIGNATURE_OFFSET);
  for (const half of [raw.subarray(0, size), raw.subarray(size)]) {
    if (half.every((b) => b === 0) || compareMagnitude(half, template.curve.n) >= 0) {
      fail('ERR_COMPRESSED_BAD_SIGNATURE', `signature r or s is zero or not below the ${template.curve.name} order`);
    }
  }
  const spki = spkiOf(source.publicKey);
  let tbs: Uint8Array;
  try {
    tbs = template.tbs(spki, deriveSignerSerial(spki, notBefore, notAfter), notBefore, expireYears);
  } catch (error) {
    if (isKeylineError(error) && !error.code.startsWith('ERR_COMPRESSED_')) {
      fail('ERR_COMPRESSED_NOT_REBUILDABLE', `the signer recipe refuses the decoded fields: ${error.message}`);
    }
    throw error;
  }
  return assembleCertificate(tbs, template.signatureAlgorithm, ecdsaSignatureFromRaw(raw));
}
