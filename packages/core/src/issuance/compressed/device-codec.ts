import { CURVES, compareMagnitude } from '../../crypto/curves.js';
import { ecdsaSignatureFromRaw, ecdsaSignatureToRaw } from '../../crypto/signature-format.js';
import { fail, isKeylineError } from '../../errors/keyline-error.js';
import { Certificate } from '../../x509/certificate/certificate.js';
import { OID } from '../../x509/oids.js';
import type { DeviceTemplate } from '../template/device-template.js';
import { P256_SPKI_PREFIX } from '../template/device-input.js';
import { decodeCompressedDates, encodeCompressedDates } from './dates.js';
import {
  COMPRESSED_DEVICE_LENGTH,
  COMPRESSED_FORMAT_VERSION,
  DATES_LENGTH,
  DATES_OFFSET,
  SIGNATURE_LENGTH,
  SIGNATURE_OFFSET,
  TEMPLATE_ID_LENGTH,
  TEMPLATE_ID_OFFSET,
  VERSION_OFFSET,
} from './format.js';
import { deriveDeviceSerial } from './serial.js';
import { templateId } from './template-id.js';

const P256 = CURVES['P-256'];
const LOWER_HEX = /^(?:[0-9a-f]{2}){4,32}$/;

/** What the chip holds, besides the compressed bytes, to rebuild its certificate. */
export interface CompressedDeviceSource {
  /** The 72 octets `compressDeviceCertificate` returned. */
  readonly compressed: Uint8Array;
  /** The device key's uncompressed P-256 point (0x04 ‖ X ‖ Y, 65 octets), as the chip reports it. */
  readonly publicKey: Uint8Array;
  /** The chip's serial number, 4 to 32 octets (KECP 6.1). */
  readonly chipSerial: Uint8Array;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The subject commonName (the device id, lowercase hex of the chip serial, KECP 6.1) as chip serial octets. */
function chipSerialOf(cert: Certificate): Uint8Array {
  for (const rdn of cert.subject.rdns) {
    for (const attribute of rdn) {
      if (attribute.type === OID.commonName && LOWER_HEX.test(attribute.value)) {
        return Uint8Array.from(Buffer.from(attribute.value, 'hex'));
      }
    }
  }
  return fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', 'the subject has no device id commonName (KECP 6.1)');
}

/**
 * Compresses a device IDevID issued with `template` into 72 octets (the layout in `format.ts`).
 *
 * Refuses, before returning anything, a certificate that would not rebuild byte-exact:
 * ERR_COMPRESSED_DATES_NOT_COMPRESSIBLE (notBefore not on a whole hour, notAfter not whole years
 * later), ERR_COMPRESSED_SERIAL_NOT_DERIVED (serial not `deriveDeviceSerial`'s),
 * ERR_COMPRESSED_TEMPLATE_MISMATCH (another template or issuer, a non-default subject
 * serialNumber, a key that is not P-256), ERR_COMPRESSED_NOT_REBUILDABLE (anything else the
 * rebuild does not reproduce); malformed DER keeps the DER layer's codes.
 */
export function compressDeviceCertificate(template: DeviceTemplate, certDer: Uint8Array): Uint8Array {
  const cert = Certificate.fromDer(certDer);
  if (
    cert.spki.length !== P256_SPKI_PREFIX.length + 65 ||
    !sameBytes(cert.spki.subarray(0, P256_SPKI_PREFIX.length), P256_SPKI_PREFIX)
  ) {
    fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', 'the subject key is not an uncompressed P-256 point (KECP 4.3)');
  }
  const publicKey = cert.spki.subarray(P256_SPKI_PREFIX.length);
  const chipSerial = chipSerialOf(cert);
  const dates = encodeCompressedDates(cert.notBefore, cert.notAfter);
  if (!sameBytes(deriveDeviceSerial(publicKey, cert.notBefore, cert.notAfter), cert.serialNumber)) {
    fail('ERR_COMPRESSED_SERIAL_NOT_DERIVED', 'use deriveDeviceSerial(publicKey, notBefore, notAfter) when issuing');
  }

  let signature: Uint8Array;
  try {
    signature = ecdsaSignatureToRaw(cert.signatureValue, P256);
  } catch (error) {
    if (isKeylineError(error))
      fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', `not a P-256 ECDSA signature: ${error.message}`);
    throw error;
  }

  let tbs: Uint8Array;
  try {
    tbs = template.tbs({
      serial: cert.serialNumber,
      chipSerial,
      publicKey,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    });
  } catch (error) {
    if (isKeylineError(error))
      fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', `the template refuses this device: ${error.message}`);
    throw error;
  }
  if (!sameBytes(tbs, cert.tbs)) {
    fail(
      'ERR_COMPRESSED_TEMPLATE_MISMATCH',
      'the TBSCertificate differs from what this template writes for the device',
    );
  }

  const out = new Uint8Array(COMPRESSED_DEVICE_LENGTH);
  out[VERSION_OFFSET] = COMPRESSED_FORMAT_VERSION;
  out.set(templateId(template), TEMPLATE_ID_OFFSET);
  out.set(dates, DATES_OFFSET);
  out.set(signature, SIGNATURE_OFFSET);

  // The outer signature encoding and algorithm are checked by rebuilding the whole certificate.
  if (!sameBytes(rebuildDeviceCertificate(template, { compressed: out, publicKey, chipSerial }), certDer)) {
    fail('ERR_COMPRESSED_NOT_REBUILDABLE', 'the rebuilt certificate differs from the given one');
  }
  return out;
}

/** Checks r ‖ s: each half in [1, n − 1] (FIPS 186-5 6.4.2), so the rebuilt DER signature is well-formed. */
function checkRawSignature(raw: Uint8Array): void {
  for (const half of [raw.subarray(0, 32), raw.subarray(32, 64)]) {
    if (half.every((b) => b === 0) || compareMagnitude(half, P256.n) >= 0) {
      fail('ERR_COMPRESSED_BAD_SIGNATURE', 'signature r or s is zero or not below the P-256 order');
    }
  }
}

/**
 * Rebuilds the byte-exact DER of a device certificate from its compressed form, the issuing CA's
 * `template`, the chip's public key and its serial. The serial number is derived again, the subject
 * serialNumber is the device id (the template's default), the signature is re-encoded in DER.
 *
 * Refuses malformed input: ERR_COMPRESSED_LENGTH, ERR_COMPRESSED_VERSION,
 * ERR_COMPRESSED_TEMPLATE_MISMATCH (made under another template), ERR_COMPRESSED_BAD_DATES,
 * ERR_COMPRESSED_BAD_SIGNATURE, ERR_COMPRESSED_BAD_INPUT (key or chip serial);
 * ERR_COMPRESSED_NOT_REBUILDABLE when the template refuses the decoded fields (e.g. dates outside
 * the issuer's validity). It does not verify the signature: verify the result against the issuer.
 */
export function rebuildDeviceCertificate(template: DeviceTemplate, source: CompressedDeviceSource): Uint8Array {
  const { compressed, publicKey, chipSerial } = source;
  if (!(compressed instanceof Uint8Array) || compressed.length !== COMPRESSED_DEVICE_LENGTH) {
    fail('ERR_COMPRESSED_LENGTH', `a compressed device certificate has ${COMPRESSED_DEVICE_LENGTH} octets`);
  }
  if (compressed[VERSION_OFFSET] !== COMPRESSED_FORMAT_VERSION) {
    fail('ERR_COMPRESSED_VERSION', `format version ${compressed[VERSION_OFFSET]} is not ${COMPRESSED_FORMAT_VERSION}`);
  }
  if (
    !sameBytes(compressed.subarray(TEMPLATE_ID_OFFSET, TEMPLATE_ID_OFFSET + TEMPLATE_ID_LENGTH), templateId(template))
  ) {
    fail('ERR_COMPRESSED_TEMPLATE_MISMATCH', "the template id is not this issuing CA template's");
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 65 || publicKey[0] !== 0x04) {
    fail('ERR_COMPRESSED_BAD_INPUT', 'publicKey must be a 65-byte uncompressed P-256 point');
  }
  if (!(chipSerial instanceof Uint8Array) || chipSerial.length < 4 || chipSerial.length > 32) {
    fail('ERR_COMPRESSED_BAD_INPUT', 'chipSerial must have 4 to 32 octets (KECP 6.1)');
  }
  const { notBefore, notAfter } = decodeCompressedDates(compressed.subarray(DATES_OFFSET, DATES_OFFSET + DATES_LENGTH));
  const raw = compressed.subarray(SIGNATURE_OFFSET, SIGNATURE_OFFSET + SIGNATURE_LENGTH);
  checkRawSignature(raw);

  let tbs: Uint8Array;
  try {
    tbs = template.tbs({
      serial: deriveDeviceSerial(publicKey, notBefore, notAfter),
      chipSerial,
      publicKey,
      notBefore,
      notAfter,
    });
  } catch (error) {
    if (isKeylineError(error) && !error.code.startsWith('ERR_COMPRESSED_')) {
      fail('ERR_COMPRESSED_NOT_REBUILDABLE', `the template refuses the decoded fields: ${error.message}`);
    }
    throw error;
  }
  // wrap() returns a view into the template's slab: copy it so the caller owns its buffer.
  return template.wrap(tbs, ecdsaSignatureFromRaw(raw)).slice();
}
