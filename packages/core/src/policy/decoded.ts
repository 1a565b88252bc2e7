import { decodeAuthorityKeyIdentifier } from '../x509/extensions/authority-key-identifier.js';
import { decodeBasicConstraints } from '../x509/extensions/basic-constraints.js';
import { decodeCertificatePolicies } from '../x509/extensions/certificate-policies.js';
import { decodeExtKeyUsage } from '../x509/extensions/ext-key-usage.js';
import { decodeKeyUsage } from '../x509/extensions/key-usage.js';
import { decodeNameConstraints } from '../x509/extensions/name-constraints.js';
import { decodePolicyConstraints } from '../x509/extensions/policy-constraints.js';
import { decodeSubjectAltName } from '../x509/extensions/alt-name.js';
import { decodeSubjectKeyIdentifier } from '../x509/extensions/subject-key-identifier.js';
import type {
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtKeyUsage,
  GeneralName,
  KeyUsage,
  NameConstraints,
  PolicyConstraints,
  PolicyInformation,
} from '../x509/extensions/types.js';
import type { NameAttribute } from '../x509/name/types.js';
import { OID } from '../x509/oids.js';
import type { LintTarget } from './target.js';

/*
 * Decoded extensions of a lint target, each through the target's memoised `decoded`, so that all
 * rules of a run (and detectProfile) decode each extension once. Undefined when absent; a
 * malformed value throws the decoder's KeylineError (ERR_X509_BAD_EXTENSION or ERR_DER_*).
 */

export function basicConstraintsOf(cert: LintTarget): BasicConstraints | undefined {
  return cert.decoded(OID.basicConstraints, decodeBasicConstraints);
}

export function keyUsageOf(cert: LintTarget): KeyUsage | undefined {
  return cert.decoded(OID.keyUsage, decodeKeyUsage);
}

export function extKeyUsageOf(cert: LintTarget): ExtKeyUsage | undefined {
  return cert.decoded(OID.extKeyUsage, decodeExtKeyUsage);
}

export function subjectKeyIdentifierOf(cert: LintTarget): Uint8Array | undefined {
  return cert.decoded(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier);
}

export function authorityKeyIdentifierOf(cert: LintTarget): AuthorityKeyIdentifier | undefined {
  return cert.decoded(OID.authorityKeyIdentifier, decodeAuthorityKeyIdentifier);
}

export function subjectAltNameOf(cert: LintTarget): readonly GeneralName[] | undefined {
  return cert.decoded(OID.subjectAltName, decodeSubjectAltName);
}

export function certificatePoliciesOf(cert: LintTarget): readonly PolicyInformation[] | undefined {
  return cert.decoded(OID.certificatePolicies, decodeCertificatePolicies);
}

export function nameConstraintsOf(cert: LintTarget): NameConstraints | undefined {
  return cert.decoded(OID.nameConstraints, decodeNameConstraints);
}

export function policyConstraintsOf(cert: LintTarget): PolicyConstraints | undefined {
  return cert.decoded(OID.policyConstraints, decodePolicyConstraints);
}

/** Every attribute of a name, flattened in order. */
export function attributesOf(rdns: readonly (readonly NameAttribute[])[]): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of rdns) for (const attribute of rdn) out.push(attribute);
  return out;
}

/** The value of the first attribute of `type` in a name, if any. */
export function attributeValue(rdns: readonly (readonly NameAttribute[])[], type: string): string | undefined {
  for (const rdn of rdns) for (const attribute of rdn) if (attribute.type === type) return attribute.value;
  return undefined;
}
