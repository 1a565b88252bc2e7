import { fail } from '../../errors/keyline-error.js';
import { DerCursor } from '../der/cursor.js';
import { readOctetString, readOid } from '../der/primitives.js';
import { Tag } from '../der/tags.js';
import type { Tlv } from '../der/tlv.js';
import * as der from '../der/writer.js';
import { OID } from '../oids.js';
import type { GeneralName, HardwareModuleName } from './types.js';

/** The otherName form of GeneralName. */
export type OtherName = Extract<GeneralName, { type: 'otherName' }>;

/**
 * Reads RFC 4108 section 5 `HardwareModuleName ::= SEQUENCE { hwType OBJECT IDENTIFIER,
 * hwSerialNum OCTET STRING }` at `tlv` (the value inside otherName's [0] EXPLICIT wrapper).
 */
export function readHardwareModuleName(buf: Uint8Array, tlv: Tlv): HardwareModuleName {
  if (tlv.tag !== Tag.SEQUENCE) fail('ERR_X509_BAD_GENERAL_NAME', 'hardwareModuleName must be a SEQUENCE');
  const c = DerCursor.inside(buf, tlv, 'HardwareModuleName');
  const hwType = readOid(buf, c.expect(Tag.OID, 'hwType'));
  const hwSerialNum = readOctetString(buf, c.expect(Tag.OCTET_STRING, 'hwSerialNum'));
  c.finish();
  return { hwType, hwSerialNum };
}

/** DER of a HardwareModuleName SEQUENCE. */
export function encodeHardwareModuleName(name: HardwareModuleName): Uint8Array {
  return der.seq(der.oid(name.hwType), der.octets(name.hwSerialNum));
}

/**
 * The otherName GeneralName carrying an RFC 4108 hardwareModuleName (type-id
 * id-on-hardwareModuleName, 1.3.6.1.5.5.7.8.4): how 802.1AR device certificates name the secure
 * element that holds their key. `hwType` identifies the module type; `serial` is its serial number.
 */
export function hardwareModuleNameOtherName(hwType: string, serial: Uint8Array): OtherName {
  const hardwareModuleName: HardwareModuleName = { hwType, hwSerialNum: Uint8Array.from(serial) };
  return {
    type: 'otherName',
    typeId: OID.hardwareModuleName,
    value: encodeHardwareModuleName(hardwareModuleName),
    hardwareModuleName,
  };
}
