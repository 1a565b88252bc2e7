import type { KeyUsageName } from '../../x509/extensions/types.js';

/** The six certificate profiles of the Keyline Ecosystem Certificate Policy v1 (KECP section 5). */
export type ProfileName = 'root' | 'manufacturer-ca' | 'issuing-ca' | 'device' | 'ldevid' | 'ocsp-signer';

/** Every profile name, in hierarchy order (root first). */
export const PROFILE_NAMES: readonly ProfileName[] = [
  'root',
  'manufacturer-ca',
  'issuing-ca',
  'device',
  'ldevid',
  'ocsp-signer',
];

/** Whether `value` names a profile. */
export function isProfileName(value: string): value is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(value);
}

/** How a profile treats an extension or field. */
export type Presence = 'required' | 'optional' | 'forbidden';

/** Elliptic curves the policy admits for subject keys (KECP 4.3). */
export type PolicyCurve = 'P-256' | 'P-384';

/** What a profile says of one extension: whether it may appear, and with which critical flag. */
export interface ExtensionRule {
  readonly presence: Presence;
  /** The critical flag it must carry; `'either'` leaves it to the issuer. */
  readonly critical: boolean | 'either';
}

/** keyUsage bits: those that must be asserted, and those that may be; any other bit is refused. */
export interface KeyUsageRule {
  readonly required: readonly KeyUsageName[];
  readonly optional: readonly KeyUsageName[];
}

/** extKeyUsage purposes (OIDs): those that must be listed, and those that may be; any other is refused. */
export interface ExtKeyUsageRule {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

/** Subject attribute types (OIDs) a profile requires and allows; any other type is refused. */
export interface SubjectRule {
  readonly required: readonly string[];
  readonly optional: readonly string[];
  /**
   * When set, the attributes present must appear in this relative order, one per RDN (the device
   * profile's fixed layout, which the template encoder and the compressed form rely on).
   */
  readonly order?: readonly string[];
}

/**
 * certificatePolicies content: at least one of `allowed` must be asserted and nothing else
 * (anyPolicy included) may be, so that every path stays inside the ecosystem's policies (KECP 4.8).
 */
export interface PolicyRule {
  readonly allowed: readonly string[];
}

/** subjectAltName content a profile demands (only the device profile demands any). */
export interface SubjectAltNameRule {
  /**
   * The SAN must carry at least one device identifier: an RFC 4108 hardwareModuleName or an
   * RFC 9039 `urn:dev:` URI (KECP 6.2, 6.3).
   */
  readonly deviceIdentifier: boolean;
  /** GeneralName forms the SAN may carry. */
  readonly forms: readonly ('otherName' | 'uri' | 'dns' | 'ip' | 'email')[];
}

/** Longest validity period (KECP 4.4). */
export interface ValidityRule {
  /** notAfter may be at most this many calendar years after notBefore (when set). */
  readonly maxYears?: number;
  /** notAfter may be at most this many days after notBefore (when set). */
  readonly maxDays?: number;
  /** Whether notAfter may be 99991231235959Z, IEEE 802.1AR's "no well-defined expiration". */
  readonly allowNoExpiration: boolean;
}

/** One certificate profile of the policy, as data the linter and the builders read. */
export interface Profile {
  readonly name: ProfileName;
  /** Human title ("Device IDevID"). */
  readonly title: string;
  /** The KECP section that defines it. */
  readonly clause: string;
  /** Whether certificates of this profile are CA certificates (basicConstraints cA TRUE). */
  readonly ca: boolean;
  /** Whether the certificate is self-signed (issuer = subject; the root only). */
  readonly selfSigned: boolean;
  /**
   * The basicConstraints pathLenConstraint a CA must carry: a number for exactly that value,
   * `'absent'` when it must be left out. Undefined for end entities.
   */
  readonly pathLen?: number | 'absent';
  /** Curves admitted for the subject public key (always ECDSA keys with a named curve in v1). */
  readonly curves: readonly PolicyCurve[];
  /** Signature algorithm OIDs the issuer may sign with. */
  readonly signatureAlgorithms: readonly string[];
  /** Extensions by OID; any extension not listed is refused. */
  readonly extensions: Readonly<Record<string, ExtensionRule>>;
  readonly keyUsage: KeyUsageRule;
  /** Undefined when the profile forbids extKeyUsage. */
  readonly extKeyUsage?: ExtKeyUsageRule;
  /** Undefined when the profile forbids certificatePolicies. */
  readonly policies?: PolicyRule;
  /** Undefined when the profile places no demand on subjectAltName content. */
  readonly subjectAltName?: SubjectAltNameRule;
  readonly subject: SubjectRule;
  readonly validity: ValidityRule;
}
