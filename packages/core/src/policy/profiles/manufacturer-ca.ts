import { OID } from '../../x509/oids.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../oids.js';
import {
  CA_OPTIONAL_ATTRIBUTES,
  CRITICAL_OPTIONAL,
  CRITICAL_REQUIRED,
  ECDSA_SIGNATURES,
  NON_CRITICAL_OPTIONAL,
  NON_CRITICAL_REQUIRED,
} from './common.js';
import type { Profile } from './types.js';

/**
 * KECP 5.2 — a manufacturer CA: issued by the root to one manufacturer, pathLen 1 (it may have one
 * tier of issuing CAs under it), carries the manufacturer id, and asserts the device identity
 * policy so that its subtree is constrained to the ecosystem's policy (no anyPolicy).
 */
export const MANUFACTURER_CA_PROFILE: Profile = {
  name: 'manufacturer-ca',
  title: 'Manufacturer CA',
  clause: 'KECP 5.2',
  ca: true,
  selfSigned: false,
  pathLen: 1,
  curves: ['P-384', 'P-256'],
  signatureAlgorithms: ECDSA_SIGNATURES,
  extensions: {
    [OID.basicConstraints]: CRITICAL_REQUIRED,
    [OID.keyUsage]: CRITICAL_REQUIRED,
    [OID.subjectKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.authorityKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.certificatePolicies]: NON_CRITICAL_REQUIRED,
    [OID.cRLDistributionPoints]: NON_CRITICAL_OPTIONAL,
    [OID.authorityInfoAccess]: NON_CRITICAL_OPTIONAL,
    // RFC 5280 4.2.1.10, 4.2.1.11, 4.2.1.14: these MUST be critical when present.
    [OID.nameConstraints]: CRITICAL_OPTIONAL,
    [OID.policyConstraints]: CRITICAL_OPTIONAL,
    [OID.inhibitAnyPolicy]: CRITICAL_OPTIONAL,
  },
  keyUsage: { required: ['keyCertSign', 'cRLSign'], optional: ['digitalSignature'] },
  policies: { allowed: [KEYLINE_POLICY.deviceIdentityV1] },
  subject: {
    required: [KEYLINE_ATTRIBUTE.manufacturerId, OID.organizationName, OID.commonName],
    optional: CA_OPTIONAL_ATTRIBUTES,
  },
  validity: { maxYears: 20, allowNoExpiration: false },
};
