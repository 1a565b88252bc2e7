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
 * KECP 5.3 — an issuing CA: the optional tier per factory or product line under a manufacturer CA.
 * pathLen 0 (it issues only devices), carries the manufacturer id of its issuer and may carry a
 * product id.
 */
export const ISSUING_CA_PROFILE: Profile = {
  name: 'issuing-ca',
  title: 'Issuing CA',
  clause: 'KECP 5.3',
  ca: true,
  selfSigned: false,
  pathLen: 0,
  curves: ['P-256', 'P-384'],
  signatureAlgorithms: ECDSA_SIGNATURES,
  extensions: {
    [OID.basicConstraints]: CRITICAL_REQUIRED,
    [OID.keyUsage]: CRITICAL_REQUIRED,
    [OID.subjectKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.authorityKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.certificatePolicies]: NON_CRITICAL_REQUIRED,
    [OID.cRLDistributionPoints]: NON_CRITICAL_OPTIONAL,
    [OID.authorityInfoAccess]: NON_CRITICAL_OPTIONAL,
    [OID.nameConstraints]: CRITICAL_OPTIONAL,
  },
  keyUsage: { required: ['keyCertSign', 'cRLSign'], optional: ['digitalSignature'] },
  policies: { allowed: [KEYLINE_POLICY.deviceIdentityV1] },
  subject: {
    required: [KEYLINE_ATTRIBUTE.manufacturerId, OID.organizationName, OID.commonName],
    optional: [KEYLINE_ATTRIBUTE.productId, ...CA_OPTIONAL_ATTRIBUTES],
  },
  validity: { maxYears: 15, allowNoExpiration: false },
};
