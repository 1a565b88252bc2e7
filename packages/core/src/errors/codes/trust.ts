import type { ErrorSpec } from '../spec.js';

/**
 * Failures of path building and RFC 5280 section 6 validation (trust/). A well-formed but invalid
 * chain is an answer (`{ ok: false, code, message }`), so nearly all of these are of kind `invalid`.
 *
 * Two helpers add codes here: path building, validation and CRL checks in the first section;
 * name constraints and certificate policies in the second. Each edits only its own section.
 */
export const TRUST_ERRORS = {
  // --- path building, validation, revocation (trust/build, trust/validate, trust/revocation) ---
  ERR_TRUST_NO_ANCHORS: { message: 'no trust anchor was given', kind: 'input' },
  ERR_TRUST_BAD_TIME: { message: 'the validation time is not a valid date', kind: 'input' },
  ERR_TRUST_BAD_INPUT: { message: 'a certificate or CRL given for validation cannot be decoded', kind: 'input' },
  ERR_PATH_NO_ISSUER: { message: 'no issuer certificate was found for a certificate of the path', kind: 'invalid' },
  ERR_PATH_UNTRUSTED: { message: 'no path from the certificate to a trust anchor was found', kind: 'invalid' },
  ERR_PATH_BUDGET_EXCEEDED: { message: 'path building gave up: the work bound was reached', kind: 'invalid' },
  ERR_PATH_DEPTH_EXCEEDED: { message: 'the path needs more intermediate certificates than allowed', kind: 'invalid' },
  ERR_PATH_BAD_SIGNATURE: { message: 'a certificate signature does not verify', kind: 'invalid' },
  ERR_PATH_EXPIRED: { message: 'a certificate of the path has expired', kind: 'invalid' },
  ERR_PATH_NOT_YET_VALID: { message: 'a certificate of the path is not yet valid', kind: 'invalid' },
  ERR_PATH_NAME_CHAINING: {
    message: 'issuer name does not match the subject of the issuing certificate',
    kind: 'invalid',
  },
  ERR_PATH_NOT_CA: { message: 'an issuing certificate is not a CA certificate (basicConstraints cA)', kind: 'invalid' },
  ERR_PATH_LENGTH_EXCEEDED: { message: 'a pathLenConstraint of the path is exceeded', kind: 'invalid' },
  ERR_PATH_KEY_CERT_SIGN_MISSING: {
    message: 'an issuing certificate lacks the keyCertSign key usage',
    kind: 'invalid',
  },
  ERR_PATH_UNKNOWN_CRITICAL_EXTENSION: {
    message: 'a certificate of the path has a critical extension Keyline does not process',
    kind: 'invalid',
  },
  ERR_PATH_NONCONFORMING_CERTIFICATE: {
    message: 'a certificate of the path breaks an RFC 5280 section 4 requirement validation relies on',
    kind: 'invalid',
  },
  ERR_PATH_BAD_SAN: {
    message: 'a subjectAltName entry of a path certificate is not a well-formed name',
    kind: 'invalid',
  },
  ERR_PATH_PURPOSE_MISMATCH: {
    message: 'the extended key usage of the path does not allow the requested purpose',
    kind: 'invalid',
  },
  ERR_PATH_KEY_USAGE_MISMATCH: {
    message: 'the key usage of the end-entity certificate does not allow the requested purpose',
    kind: 'invalid',
  },
  ERR_PATH_PROFILE_VIOLATION: {
    message: 'a certificate of the path does not conform to the requested certificate profile',
    kind: 'invalid',
  },
  ERR_PATH_REVOKED: { message: 'a certificate of the path is revoked', kind: 'invalid' },
  ERR_REVOCATION_UNKNOWN: {
    message: 'no usable CRL covers a certificate of the path, so its revocation status is unknown',
    kind: 'invalid',
  },
  ERR_CRL_BAD_SIGNATURE: { message: 'a CRL signature does not verify with its issuer key', kind: 'invalid' },
  ERR_CRL_ISSUER_NOT_CRL_SIGNER: { message: 'the CRL issuer certificate does not assert cRLSign', kind: 'invalid' },
  ERR_CRL_NOT_YET_VALID: { message: 'a CRL thisUpdate is after the validation time', kind: 'invalid' },
  ERR_CRL_EXPIRED: { message: 'a CRL nextUpdate is before the validation time', kind: 'invalid' },
  ERR_CRL_MISSING_NUMBER: { message: 'a CRL lacks the cRLNumber extension (RFC 5280 5.2.3)', kind: 'invalid' },
  ERR_CRL_NONCONFORMING: { message: 'a CRL breaks an RFC 5280 section 5 requirement', kind: 'invalid' },
  ERR_CRL_UNKNOWN_CRITICAL_EXTENSION: {
    message: 'a CRL or CRL entry has a critical extension Keyline does not process',
    kind: 'invalid',
  },
  ERR_CRL_UNSUPPORTED: {
    message: 'a CRL uses a feature Keyline does not support (indirect or delta CRL, partitioned scope)',
    kind: 'invalid',
  },

  // --- name constraints and certificate policies (trust/name-constraints, trust/policy) ---
  // RFC 5280 4.2.1.10, 6.1.3 (b)(c), 6.1.4 (g)
  ERR_NC_NAME_NOT_PERMITTED: { message: 'a name of the path is outside the permitted subtrees', kind: 'invalid' },
  ERR_NC_NAME_EXCLUDED: { message: 'a name of the path is inside an excluded subtree', kind: 'invalid' },
  ERR_NC_UNSUPPORTED_NAME_FORM: {
    message:
      'a name and a name constraint share a form Keyline does not compare (x400Address, ediPartyName, registeredID, unknown otherName)',
    kind: 'invalid',
  },
  ERR_NC_MALFORMED_CONSTRAINT: {
    message:
      'a name constraint subtree is malformed (bad syntax, an IP mask that is not a prefix, a minimum or maximum)',
    kind: 'invalid',
  },
  ERR_NC_MALFORMED_NAME: { message: 'a name checked against name constraints is malformed', kind: 'invalid' },
  ERR_NC_URI_WITHOUT_HOST: {
    message: 'a URI under URI name constraints has no DNS host to compare (a URN, or an IP-literal host)',
    kind: 'invalid',
  },
  ERR_NC_TOO_MUCH_WORK: { message: 'name-constraint processing reached its work bound', kind: 'invalid' },
  // RFC 5280 6.1.2-6.1.5 as updated by RFC 9618
  ERR_POLICY_NO_VALID_POLICY: {
    message: 'the path must carry an acceptable certificate policy (explicit policy) and it does not',
    kind: 'invalid',
  },
  ERR_POLICY_ANY_POLICY_MAPPING: { message: 'a policy mapping maps to or from anyPolicy', kind: 'invalid' },
  ERR_POLICY_DUPLICATE_POLICY: {
    message: 'a certificatePolicies extension names the same policy twice',
    kind: 'invalid',
  },
  ERR_POLICY_TREE_TOO_LARGE: {
    message: 'the policy tree of the path would grow beyond the allowed size (pathological policy mappings)',
    kind: 'invalid',
  },
} as const satisfies Record<string, ErrorSpec>;
