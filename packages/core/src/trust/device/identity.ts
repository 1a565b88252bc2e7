import { attributeValue } from '../../policy/decoded.js';
import { KEYLINE_ATTRIBUTE } from '../../policy/oids.js';
import { detectProfile } from '../../policy/profiles/detect.js';
import type { Certificate } from '../../x509/certificate/certificate.js';
import { OID } from '../../x509/oids.js';
import { refuse, type Refusal } from '../validate/outcome.js';

/** The identity fields of a device certificate (KECP 6.1). */
export interface DeviceNames {
  readonly deviceId: string;
  readonly manufacturerId: string;
  readonly productId: string;
  readonly serialNumber: string;
}

/**
 * The identity a validated device (IDevID) certificate carries in its subject: commonName (the
 * device id), keylineManufacturerId, keylineProductId and serialNumber. A leaf of another profile
 * (an LDevID, an OCSP signer), or one without those attributes, is ERR_ATTEST_NOT_A_DEVICE. The
 * attribute syntax itself was checked by the ecosystem profile during chain validation.
 */
export function deviceNamesOf(leaf: Certificate): DeviceNames | Refusal {
  return leaf.memo(NAMES, readNames);
}

/** The answer kept with each certificate object (a pure function of its bytes; Certificate.memo). */
const NAMES = Symbol('keyline.deviceNames');

function readNames(leaf: Certificate): DeviceNames | Refusal {
  const profile = detectProfile(leaf);
  if (profile !== 'device') {
    return refuse('ERR_ATTEST_NOT_A_DEVICE', `the end-entity certificate is a ${profile} certificate, not a device's`);
  }
  const rdns = leaf.subject.rdns;
  const deviceId = attributeValue(rdns, OID.commonName);
  const manufacturerId = attributeValue(rdns, KEYLINE_ATTRIBUTE.manufacturerId);
  const productId = attributeValue(rdns, KEYLINE_ATTRIBUTE.productId);
  const serialNumber = attributeValue(rdns, OID.serialNumber) ?? deviceId;
  if (deviceId === undefined || manufacturerId === undefined || productId === undefined || serialNumber === undefined) {
    return refuse('ERR_ATTEST_NOT_A_DEVICE', 'the device certificate lacks a device id, manufacturer id or product id');
  }
  return { deviceId, manufacturerId, productId, serialNumber };
}
