import { keyIdentifier } from '../../crypto/hash.js';
import { fail } from '../../errors/keyline-error.js';
import { addYears } from '../../policy/lint/helpers.js';
import { MIN_SERIAL_OCTETS } from '../../policy/lint/rules/kecp-serial-entropy.js';
import { DEVICE_SERIAL_PATTERN, deviceIdFromChipSerial } from '../../policy/naming.js';
import { KEYLINE_ATTRIBUTE } from '../../policy/oids.js';
import { validityMillis } from '../../x509/certificate/builder-fields.js';
import type { CertificateFields } from '../../x509/certificate/builder.js';
import { Tag } from '../../x509/der/tags.js';
import { NO_EXPIRATION } from '../../x509/der/time.js';
import * as der from '../../x509/der/writer.js';
import { encodeSubjectAltName } from '../../x509/extensions/alt-name.js';
import { deviceUrnGeneralName } from '../../x509/extensions/device-urn.js';
import { hardwareModuleNameOtherName } from '../../x509/extensions/hardware-module-name.js';
import { encodeSubjectKeyIdentifier } from '../../x509/extensions/subject-key-identifier.js';
import type { Extension, GeneralName } from '../../x509/extensions/types.js';
import { encodeName, type NameAttributeInput } from '../../x509/name/encode.js';
import { OID } from '../../x509/oids.js';
import type { DeviceSpec } from './device-spec.js';

/** What changes from one device to the next (KECP 5.4, 6.1). */
export interface DeviceCertificateInput {
  /** Serial number as unsigned magnitude octets: 9 to 20 significant octets of CSPRNG output (KECP 4.1, RFC 5280 4.1.2.2). */
  readonly serial: Uint8Array;
  /**
   * The secure element's unique serial, 4 to 32 octets (KECP 6.1). The device id, the subject's
   * commonName, is its lowercase hex; the hardwareModuleName's hwSerialNum is these octets.
   */
  readonly chipSerial: Uint8Array;
  /** The subject serialNumber (the serial on the device's label), 1–64 PrintableString characters. Default: the device id. */
  readonly serialNumber?: string;
  /** The device's P-256 public key: the 65-octet uncompressed point (0x04 ‖ X ‖ Y) or its 91-octet SubjectPublicKeyInfo. */
  readonly publicKey: Uint8Array;
  /** Start of validity (whole seconds; sub-second parts are dropped). */
  readonly notBefore: Date;
  /** End of validity. Default: 99991231235959Z, IEEE 802.1AR's "no well-defined expiration" (KECP 4.4). */
  readonly notAfter?: Date;
}

/** The DER of a P-256 SubjectPublicKeyInfo up to the point: SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING header, 0 unused bits (RFC 5480 2). */
export const P256_SPKI_PREFIX: Uint8Array = der.concat([
  Uint8Array.of(0x30, 0x59),
  der.seq(der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)),
  Uint8Array.of(0x03, 0x42, 0x00),
]);

/** Octets of an uncompressed P-256 point. */
export const P256_POINT_LENGTH = 65;

export function invalidDevice(message: string): never {
  return fail('ERR_X509_BUILD_INVALID', `device certificate: ${message}`);
}

/** The uncompressed point of a device key given as a point or as a P-256 SPKI; refuses anything else. */
export function devicePoint(publicKey: Uint8Array): Uint8Array {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a Uint8Array');
  let point = publicKey;
  if (publicKey.length === P256_SPKI_PREFIX.length + P256_POINT_LENGTH) {
    if (Buffer.compare(publicKey.subarray(0, P256_SPKI_PREFIX.length), P256_SPKI_PREFIX) !== 0) {
      invalidDevice('publicKey is not a P-256 SubjectPublicKeyInfo with a named curve (KECP 4.3)');
    }
    point = publicKey.subarray(P256_SPKI_PREFIX.length);
  }
  if (point.length !== P256_POINT_LENGTH || point[0] !== 0x04) {
    invalidDevice('publicKey must be an uncompressed P-256 point or its SubjectPublicKeyInfo (KECP 4.3)');
  }
  return point;
}

/** The device's validity in whole-second epoch milliseconds, checked against the profile and the issuer (KECP 4.4). */
export function deviceValidity(spec: DeviceSpec, notBefore: Date, notAfter: Date | undefined): [number, number] {
  const from = validityMillis(notBefore, 'notBefore');
  const to = notAfter === undefined ? NO_EXPIRATION.getTime() : validityMillis(notAfter, 'notAfter');
  if (from > to) invalidDevice('notBefore is after notAfter');
  if (from < spec.issuer.notBefore.getTime()) invalidDevice("notBefore is before the issuer's notBefore");
  if (to !== NO_EXPIRATION.getTime()) {
    if (to > spec.issuer.notAfter.getTime()) invalidDevice("notAfter is after the issuer's notAfter");
    if (spec.maxYears !== undefined && to > addYears(new Date(from), spec.maxYears).getTime()) {
      invalidDevice(`validity is longer than ${spec.maxYears} years (KECP 4.4)`);
    }
  }
  return [from, to];
}

/**
 * The general builder's fields for one device: the reference the template encoder is tested
 * against, built with the general name and extension encoders. Applies the same checks as the
 * template (KECP 4.1 serial entropy, 6.1 naming, 4.3 key, 4.4 validity).
 */
export function deviceCertificateFields(spec: DeviceSpec, input: DeviceCertificateInput): CertificateFields {
  const { chipSerial } = input;
  if (!(chipSerial instanceof Uint8Array)) throw new TypeError('chipSerial must be a Uint8Array');
  if (chipSerial.length < 4 || chipSerial.length > 32) invalidDevice('chipSerial must have 4 to 32 octets (KECP 6.1)');
  const deviceId = deviceIdFromChipSerial(chipSerial);
  const serialNumber = input.serialNumber ?? deviceId;
  if (!DEVICE_SERIAL_PATTERN.test(serialNumber)) invalidDevice('serialNumber must be 1-64 PrintableString characters');
  if (!(input.serial instanceof Uint8Array)) throw new TypeError('serial must be a Uint8Array');
  const significant = input.serial.length - input.serial.findIndex((b) => b !== 0);
  if (significant > input.serial.length || significant < MIN_SERIAL_OCTETS) {
    invalidDevice(`serial must have at least ${MIN_SERIAL_OCTETS} significant octets (KECP 4.1)`);
  }
  const point = devicePoint(input.publicKey);
  const [from, to] = deviceValidity(spec, input.notBefore, input.notAfter);

  const rdns: NameAttributeInput[][] = [
    [{ type: KEYLINE_ATTRIBUTE.manufacturerId, value: spec.manufacturerId, tag: Tag.UTF8_STRING }],
    [{ type: KEYLINE_ATTRIBUTE.productId, value: spec.productId, tag: Tag.UTF8_STRING }],
  ];
  if (spec.hardwareVersion !== undefined) {
    rdns.push([{ type: KEYLINE_ATTRIBUTE.hardwareVersion, value: spec.hardwareVersion, tag: Tag.UTF8_STRING }]);
  }
  rdns.push([{ type: OID.serialNumber, value: serialNumber, tag: Tag.PRINTABLE_STRING }]);
  rdns.push([{ type: OID.commonName, value: deviceId, tag: Tag.UTF8_STRING }]);

  const altNames: GeneralName[] = [];
  if (spec.hwType !== undefined) altNames.push(hardwareModuleNameOtherName(spec.hwType, chipSerial));
  if (spec.deviceUrn !== undefined) {
    altNames.push(
      deviceUrnGeneralName({
        kind: 'os',
        enterpriseNumber: spec.deviceUrn.enterpriseNumber,
        serial: deviceId,
        identifiers: [],
        components: [],
      }),
    );
  }

  const extensions: Extension[] = [...spec.leadingExtensions];
  if (spec.subjectKeyIdentifier !== false) {
    const ski = keyIdentifier(point, spec.subjectKeyIdentifier);
    extensions.push({ oid: OID.subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(ski) });
  }
  extensions.push(spec.authorityKeyIdentifier);
  extensions.push({ oid: OID.subjectAltName, critical: false, value: encodeSubjectAltName(altNames) });
  extensions.push(...spec.trailingExtensions);

  return {
    serial: input.serial,
    issuer: spec.issuer.subject.der,
    subject: encodeName(rdns),
    notBefore: new Date(from),
    notAfter: new Date(to),
    spki: der.concat([P256_SPKI_PREFIX, point]),
    extensions,
  };
}
