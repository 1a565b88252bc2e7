import type { Certificate } from '../../x509/certificate/certificate.js';
import { decodeCertificatePolicies } from '../../x509/extensions/certificate-policies.js';
import { decodeInhibitAnyPolicy } from '../../x509/extensions/inhibit-any-policy.js';
import { decodePolicyConstraints } from '../../x509/extensions/policy-constraints.js';
import { decodePolicyMappings } from '../../x509/extensions/policy-mappings.js';
import { OID } from '../../x509/oids.js';
import type { PolicyCertificateInput } from './types.js';

/**
 * The policy extensions of a certificate, decoded, as `validatePolicies` takes them.
 * `isSelfIssued` is the caller's judgement (RFC 5280 6.1: issuer and subject names match, under the
 * same name comparison it uses for chaining). A malformed extension throws its KeylineError.
 */
export function policyInputOf(certificate: Certificate, isSelfIssued: boolean): PolicyCertificateInput {
  return {
    certificatePolicies: certificate.decoded(OID.certificatePolicies, decodeCertificatePolicies),
    policyMappings: certificate.decoded(OID.policyMappings, decodePolicyMappings),
    policyConstraints: certificate.decoded(OID.policyConstraints, decodePolicyConstraints),
    inhibitAnyPolicy: certificate.decoded(OID.inhibitAnyPolicy, decodeInhibitAnyPolicy),
    isSelfIssued,
  };
}
