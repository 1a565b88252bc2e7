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
 * KECP 5.5 — the operational certificate (IEEE 802.1AR LDevID) an owner's CA issues at
 * commissioning, for a fresh key made in another slot of the element. clientAuth for mutual TLS
 * to the owner's broker. At most 397 days: a yearly renewal plus a month's window to do it, so a
 * device that is offline when its renewal falls due does not drop off at once (KECP 4.4).
 */
export const LDEVID_PROFILE: Profile = {
  name: 'ldevid',
  title: 'Operational LDevID',
  clause: 'KECP 5.5',
  ca: false,
  selfSigned: false,
  curves: ['P-256'],
  signatureAlgorithms: ECDSA_SIGNATURES,
  extensions: {
    [OID.keyUsage]: CRITICAL_REQUIRED,
    [OID.extKeyUsage]: NON_CRITICAL_REQUIRED,
    [OID.authorityKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.certificatePolicies]: NON_CRITICAL_REQUIRED,
    [OID.subjectKeyIdentifier]: NON_CRITICAL_OPTIONAL,
    [OID.subjectAltName]: NON_CRITICAL_OPTIONAL,
    [OID.basicConstraints]: EITHER_OPTIONAL,
    [OID.cRLDistributionPoints]: NON_CRITICAL_OPTIONAL,
    [OID.authorityInfoAccess]: NON_CRITICAL_OPTIONAL,
  },
  keyUsage: { required: ['digitalSignature'], optional: ['keyAgreement'] },
  extKeyUsage: { required: [OID.clientAuth], optional: [OID.serverAuth] },
  policies: { allowed: [KEYLINE_POLICY.operationalV1] },
  subjectAltName: { deviceIdentifier: false, forms: ['otherName', 'uri', 'dns', 'ip'] },
  subject: {
    required: [OID.commonName],
    optional: [
      KEYLINE_ATTRIBUTE.manufacturerId,
      KEYLINE_ATTRIBUTE.productId,
      OID.serialNumber,
      OID.organizationName,
      OID.organizationalUnitName,
    ],
  },
  validity: { maxDays: 397, allowNoExpiration: false },
};
