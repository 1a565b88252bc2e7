/**
 * The device naming scheme and the syntax of Keyline's attribute values (KECP 6).
 *
 * A device IDevID's subject is, in this order, one attribute per RDN:
 *   keylineManufacturerId  the manufacturer id the ecosystem operator assigned (UTF8String)
 *   keylineProductId       the manufacturer's product id (UTF8String)
 *   keylineHardwareVersion optional hardware revision (UTF8String)
 *   serialNumber           the device serial as printed on its label (PrintableString); the device id
 *                          when the manufacturer has no separate serial
 *   commonName             the device id: the secure element's unique serial in lowercase hex
 * and its subjectAltName carries an RFC 4108 hardwareModuleName whose hwSerialNum is that same chip
 * serial (so CN = hex(hwSerialNum)), and optionally an RFC 9039 `urn:dev:` URN. A device is globally
 * identified by (manufacturer id, device id).
 */

/** KECP 6.4: manufacturer and product ids: 1–32 of a-z 0-9 and '-', not starting or ending with '-'. */
export const ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

/** KECP 6.4: hardware version: 1–32 of A-Z a-z 0-9 . _ + - */
export const HARDWARE_VERSION_PATTERN = /^[A-Za-z0-9._+-]{1,32}$/;

/** KECP 6.1: device id: the chip serial in lowercase hex, 4 to 32 octets (8 to 64 hex digits). */
export const DEVICE_ID_PATTERN = /^(?:[0-9a-f]{2}){4,32}$/;

/** X.520 PrintableString characters (X.680 41.4). */
export const PRINTABLE_PATTERN = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** KECP 6.1: the device serialNumber attribute: 1–64 PrintableString characters (X.520 ub-serial-number). */
export const DEVICE_SERIAL_PATTERN = /^[A-Za-z0-9 '()+,\-./:=?]{1,64}$/;

export function isManufacturerId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function isProductId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function isHardwareVersion(value: string): boolean {
  return HARDWARE_VERSION_PATTERN.test(value);
}

export function isDeviceId(value: string): boolean {
  return DEVICE_ID_PATTERN.test(value);
}

/** The device id of a chip serial (KECP 6.1): its octets in lowercase hex. */
export function deviceIdFromChipSerial(chipSerial: Uint8Array): string {
  if (chipSerial.length < 4 || chipSerial.length > 32) {
    throw new RangeError(`a chip serial has 4 to 32 octets; got ${chipSerial.length}`);
  }
  return Buffer.from(chipSerial.buffer, chipSerial.byteOffset, chipSerial.byteLength).toString('hex');
}
