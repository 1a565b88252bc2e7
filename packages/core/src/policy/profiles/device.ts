import { OID } from '../../x509/oids.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../oids.js';
import {
  CRITICAL_REQUIRED,
  ECDSA_SIGNATURES,
  EITHER_OPTIONAL,
  NON_CRITICAL_OPTIONAL,
  NON_CRITICAL_REQUIRED,
} from './common.js';
import type { Profile } from './types.js';

/**
 * KECP 5.4 — the device birth certificate (IEEE 802.1AR IDevID). End entity; a P-256 key made
 * inside the secure element; the subject names the device (KECP 6.1) and the subjectAltName carries
 * its hardware identity (KECP 6.2, 6.3). It may use 802.1AR's 99991231235959Z, since a device's
 * birth identity lasts as long as the device. Its layout is fixed (subject attribute order below)
 * so that it can be stored compressed in the chip and rebuilt byte-exact from a template.
 */
export const DEVICE_PROFILE: Profile = {
  name: 'device',
  title: 'Device IDevID',
  clause: 'KECP 5.4',
  ca: false,
  selfSigned: false,
  curves: ['P-256'],
  signatureAlgorithms: ECDSA_SIGNATURES,
  extensions: {
    [OID.keyUsage]: CRITICAL_REQUIRED,
    [OID.authorityKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.subjectAltName]: NON_CRITICAL_REQUIRED,
    [OID.certificatePolicies]: NON_CRITICAL_REQUIRED,
    [OID.subjectKeyIdentifier]: NON_CRITICAL_OPTIONAL,
    [OID.basicConstraints]: EITHER_OPTIONAL,
    [OID.extKeyUsage]: NON_CRITICAL_OPTIONAL,
    [OID.cRLDistributionPoints]: NON_CRITICAL_OPTIONAL,
    [OID.authorityInfoAccess]: NON_CRITICAL_OPTIONAL,
  },
  // keyAgreement where the element does ECDH with the identity key (KECP 5.4).
  keyUsage: { required: ['digitalSignature'], optional: ['keyAgreement'] },
  extKeyUsage: { required: [], optional: [OID.clientAuth, OID.serverAuth] },
  policies: { allowed: [KEYLINE_POLICY.deviceIdentityV1] },
  subjectAltName: { deviceIdentifier: true, forms: ['otherName', 'uri'] },
  subject: {
    required: [KEYLINE_ATTRIBUTE.manufacturerId, KEYLINE_ATTRIBUTE.productId, OID.serialNumber, OID.commonName],
    optional: [KEYLINE_ATTRIBUTE.hardwareVersion],
    order: [
      KEYLINE_ATTRIBUTE.manufacturerId,
      KEYLINE_ATTRIBUTE.productId,
      KEYLINE_ATTRIBUTE.hardwareVersion,
      OID.serialNumber,
      OID.commonName,
    ],
  },
  validity: { maxYears: 25, allowNoExpiration: true },
};
