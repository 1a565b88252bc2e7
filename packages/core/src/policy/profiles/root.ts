import { OID } from '../../x509/oids.js';
import {
  CA_OPTIONAL_ATTRIBUTES,
  CRITICAL_REQUIRED,
  ECDSA_SIGNATURES,
  NON_CRITICAL_OPTIONAL,
  NON_CRITICAL_REQUIRED,
} from './common.js';
import type { Profile } from './types.js';

/**
 * KECP 5.1 — the ecosystem root CA. Self-signed; its key is made in a ceremony and kept offline or
 * in an HSM. Its pathLenConstraint is left out: a trust anchor's own constraints are not processed
 * (RFC 5280 6.1.1 (d)), and the tiers below carry theirs.
 */
export const ROOT_PROFILE: Profile = {
  name: 'root',
  title: 'Ecosystem root CA',
  clause: 'KECP 5.1',
  ca: true,
  selfSigned: true,
  pathLen: 'absent',
  curves: ['P-384', 'P-256'],
  signatureAlgorithms: ECDSA_SIGNATURES,
  extensions: {
    [OID.basicConstraints]: CRITICAL_REQUIRED,
    [OID.keyUsage]: CRITICAL_REQUIRED,
    [OID.subjectKeyIdentifier]: NON_CRITICAL_REQUIRED,
    // Allowed (OpenSSL writes it by default) but then it must name the root's own key (KECP 5.1).
    [OID.authorityKeyIdentifier]: NON_CRITICAL_OPTIONAL,
  },
  // digitalSignature lets the root sign OCSP responses for manufacturer CAs itself.
  keyUsage: { required: ['keyCertSign', 'cRLSign'], optional: ['digitalSignature'] },
  subject: { required: [OID.organizationName, OID.commonName], optional: CA_OPTIONAL_ATTRIBUTES },
  validity: { maxYears: 25, allowNoExpiration: false },
};
