import type { Name } from '../name/types.js';

/** An extension as it sits in a certificate, CRL or CSR: decoded lazily by OID. */
export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The content of extnValue (the DER of the extension's own structure). */
  readonly value: Uint8Array;
}

/** RFC 4108 hardwareModuleName (otherName 1.3.6.1.5.5.7.8.4). */
export interface HardwareModuleName {
  readonly hwType: string;
  readonly hwSerialNum: Uint8Array;
}

/** GeneralName (RFC 5280 4.2.1.6). IP values carry 4 or 16 octets, or 8 or 32 in name constraints (address + mask). */
export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'ip'; readonly value: Uint8Array }
  | { readonly type: 'directoryName'; readonly value: Name }
  | { readonly type: 'registeredId'; readonly value: string }
  | {
      readonly type: 'otherName';
      readonly typeId: string;
      /** DER of the value inside the [0] EXPLICIT wrapper. */
      readonly value: Uint8Array;
      /** Set when typeId is id-on-hardwareModuleName and the value decoded. */
      readonly hardwareModuleName?: HardwareModuleName;
    }
  | { readonly type: 'x400Address' | 'ediPartyName'; readonly raw: Uint8Array };

export interface BasicConstraints {
  readonly ca: boolean;
  readonly pathLen?: number;
}

export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsageName = (typeof KEY_USAGE_NAMES)[number];

/** keyUsage as the set of asserted bits, by name. */
export type KeyUsage = ReadonlySet<KeyUsageName>;

/** extKeyUsage: the purpose OIDs, dotted, in order. */
export type ExtKeyUsage = readonly string[];

export interface AuthorityKeyIdentifier {
  readonly keyIdentifier?: Uint8Array;
  readonly authorityCertIssuer?: readonly GeneralName[];
  /** Serial as unsigned magnitude octets. */
  readonly authorityCertSerialNumber?: Uint8Array;
}

export interface GeneralSubtree {
  readonly base: GeneralName;
  /** Always 0 in RFC 5280 profiles; kept to refuse anything else. */
  readonly minimum: number;
  readonly maximum?: number;
}

export interface NameConstraints {
  readonly permitted?: readonly GeneralSubtree[];
  readonly excluded?: readonly GeneralSubtree[];
}

export interface PolicyQualifier {
  readonly id: string;
  /** DER of the qualifier. */
  readonly qualifier: Uint8Array;
}

export interface PolicyInformation {
  readonly policyId: string;
  readonly qualifiers?: readonly PolicyQualifier[];
}

export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

export interface PolicyConstraints {
  readonly requireExplicitPolicy?: number;
  readonly inhibitPolicyMapping?: number;
}

export const REASON_FLAG_NAMES = [
  'unused',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export type ReasonFlag = (typeof REASON_FLAG_NAMES)[number];

export interface DistributionPoint {
  readonly fullName?: readonly GeneralName[];
  /** DER of a nameRelativeToCRLIssuer RDN, when that form is used. */
  readonly nameRelativeToCRLIssuer?: Uint8Array;
  readonly reasons?: ReadonlySet<ReasonFlag>;
  readonly crlIssuer?: readonly GeneralName[];
}

export interface AccessDescription {
  readonly method: string;
  readonly location: GeneralName;
}
