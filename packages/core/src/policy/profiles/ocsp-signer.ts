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
 * KECP 5.6 — a delegated OCSP responder certificate (RFC 6960 4.2.2.2): id-kp-OCSPSigning and
 * id-pkix-ocsp-nocheck. Since nocheck means nobody checks whether it is revoked, it lives at most
 * 90 days (RFC 6960 4.2.2.2.1 advises a short lifetime) and is renewed often.
 */
export const OCSP_SIGNER_PROFILE: Profile = {
  name: 'ocsp-signer',
  title: 'OCSP signer',
  clause: 'KECP 5.6',
  ca: false,
  selfSigned: false,
  curves: ['P-256', 'P-384'],
  signatureAlgorithms: ECDSA_SIGNATURES,
  extensions: {
    [OID.keyUsage]: CRITICAL_REQUIRED,
    [OID.extKeyUsage]: NON_CRITICAL_REQUIRED,
    [OID.ocspNoCheck]: NON_CRITICAL_REQUIRED,
    [OID.authorityKeyIdentifier]: NON_CRITICAL_REQUIRED,
    [OID.subjectKeyIdentifier]: NON_CRITICAL_OPTIONAL,
    [OID.basicConstraints]: EITHER_OPTIONAL,
    [OID.certificatePolicies]: NON_CRITICAL_OPTIONAL,
  },
  keyUsage: { required: ['digitalSignature'], optional: [] },
  extKeyUsage: { required: [OID.ocspSigning], optional: [] },
  policies: { allowed: [KEYLINE_POLICY.deviceIdentityV1, KEYLINE_POLICY.operationalV1] },
  subject: {
    required: [OID.commonName],
    optional: [OID.organizationName, OID.organizationalUnitName, OID.countryName, KEYLINE_ATTRIBUTE.manufacturerId],
  },
  validity: { maxDays: 90, allowNoExpiration: false },
};
