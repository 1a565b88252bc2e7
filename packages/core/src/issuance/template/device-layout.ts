import * as der from '../../x509/der/writer.js';
import { Tag } from '../../x509/der/tags.js';
import { encodeExtension } from '../../x509/extensions/extension.js';
import { OID } from '../../x509/oids.js';
import { KEYLINE_ATTRIBUTE } from '../../policy/oids.js';
import { P256_POINT_LENGTH, P256_SPKI_PREFIX } from './device-input.js';
import type { DeviceSpec } from './device-spec.js';
import { element, slot, type LayoutNode } from './layout.js';

/** The holes of the device TBS layout: what changes from one device to the next. */
export const SERIAL = 0;
export const NOT_BEFORE = 1;
export const NOT_AFTER = 2;
export const SERIAL_NUMBER = 3;
export const DEVICE_ID = 4;
export const POINT = 5;
export const KEY_ID = 6;
export const CHIP_SERIAL = 7;
export const SLOT_COUNT = 8;

/** Octets of a key identifier (SHA-1, or SHA-256 cut to 160 bits). */
export const KEY_ID_LENGTH = 20;

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

/** One RDN of one UTF8String attribute. */
function utf8Rdn(type: string, value: string): Uint8Array {
  return der.setOf(der.seq(der.oid(type), der.utf8(value)));
}

/**
 * The device TBSCertificate as a layout (RFC 5280 4.1; KECP 5.4 and 6 for the content and order).
 * With `lengths` (one per slot), every slot has a known length and the layout compiles to constant
 * bytes and holes only.
 */
export function deviceLayout(spec: DeviceSpec, lengths?: Int32Array): LayoutNode {
  const hole = (id: number, fixedLength?: number): LayoutNode =>
    slot(id, lengths === undefined ? fixedLength : lengths[id]);
  const subject: LayoutNode[] = [
    utf8Rdn(KEYLINE_ATTRIBUTE.manufacturerId, spec.manufacturerId),
    utf8Rdn(KEYLINE_ATTRIBUTE.productId, spec.productId),
  ];
  if (spec.hardwareVersion !== undefined)
    subject.push(utf8Rdn(KEYLINE_ATTRIBUTE.hardwareVersion, spec.hardwareVersion));
  subject.push(
    element(
      Tag.SET,
      element(Tag.SEQUENCE, der.oid(OID.serialNumber), element(Tag.PRINTABLE_STRING, hole(SERIAL_NUMBER))),
    ),
    element(Tag.SET, element(Tag.SEQUENCE, der.oid(OID.commonName), element(Tag.UTF8_STRING, hole(DEVICE_ID)))),
  );

  const altNames: LayoutNode[] = [];
  if (spec.hwType !== undefined) {
    // otherName [0] { type-id, [0] EXPLICIT HardwareModuleName { hwType, hwSerialNum } } (RFC 5280 4.2.1.6, RFC 4108 5).
    altNames.push(
      element(
        0xa0,
        der.oid(OID.hardwareModuleName),
        element(0xa0, element(Tag.SEQUENCE, der.oid(spec.hwType), element(Tag.OCTET_STRING, hole(CHIP_SERIAL)))),
      ),
    );
  }
  if (spec.deviceUrn !== undefined) {
    // uniformResourceIdentifier [6] IA5String: urn:dev:os:<PEN>-<device id> (RFC 9039 3.2, osbody).
    const prefix = `urn:dev:os:${spec.deviceUrn.enterpriseNumber}-`;
    altNames.push(element(0x86, ascii(prefix), hole(DEVICE_ID)));
  }

  const extensions: LayoutNode[] = spec.leadingExtensions.map(encodeExtension);
  if (spec.subjectKeyIdentifier !== false) {
    extensions.push(
      element(
        Tag.SEQUENCE,
        der.oid(OID.subjectKeyIdentifier),
        element(Tag.OCTET_STRING, element(Tag.OCTET_STRING, hole(KEY_ID, KEY_ID_LENGTH))),
      ),
    );
  }
  extensions.push(encodeExtension(spec.authorityKeyIdentifier));
  extensions.push(
    element(Tag.SEQUENCE, der.oid(OID.subjectAltName), element(Tag.OCTET_STRING, element(Tag.SEQUENCE, ...altNames))),
  );
  extensions.push(...spec.trailingExtensions.map(encodeExtension));

  return element(
    Tag.SEQUENCE,
    der.explicit(0, der.int(2)), // version v3
    element(Tag.INTEGER, hole(SERIAL)),
    spec.signatureAlgorithm,
    spec.issuer.subject.der,
    element(Tag.SEQUENCE, hole(NOT_BEFORE), hole(NOT_AFTER)),
    element(Tag.SEQUENCE, ...subject),
    P256_SPKI_PREFIX,
    hole(POINT, P256_POINT_LENGTH),
    element(0xa3, element(Tag.SEQUENCE, ...extensions)),
  );
}
