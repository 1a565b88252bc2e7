import { OID } from '../oids.js';
import { decodeIssuerAltName, decodeSubjectAltName, encodeIssuerAltName, encodeSubjectAltName } from './alt-name.js';
import { decodeAuthorityKeyIdentifier, encodeAuthorityKeyIdentifier } from './authority-key-identifier.js';
import { decodeBasicConstraints, encodeBasicConstraints } from './basic-constraints.js';
import { decodeCertificatePolicies, encodeCertificatePolicies } from './certificate-policies.js';
import { decodeCrlDistributionPoints, encodeCrlDistributionPoints } from './crl-distribution-points.js';
import { decodeExtKeyUsage, encodeExtKeyUsage } from './ext-key-usage.js';
import {
  decodeAuthorityInfoAccess,
  decodeSubjectInfoAccess,
  encodeAuthorityInfoAccess,
  encodeSubjectInfoAccess,
} from './info-access.js';
import { decodeInhibitAnyPolicy, encodeInhibitAnyPolicy } from './inhibit-any-policy.js';
import { decodeKeyUsage, encodeKeyUsage } from './key-usage.js';
import { decodeNameConstraints, encodeNameConstraints } from './name-constraints.js';
import { decodePolicyConstraints, encodePolicyConstraints } from './policy-constraints.js';
import { decodePolicyMappings, encodePolicyMappings } from './policy-mappings.js';
import { decodeSubjectKeyIdentifier, encodeSubjectKeyIdentifier } from './subject-key-identifier.js';
import type { Extension } from './types.js';

/** A decoder and an encoder for one extension's extnValue, with its OID. */
export interface ExtensionCodec<T> {
  readonly oid: string;
  /** Decodes extnValue content; throws ERR_DER_* or ERR_X509_BAD_EXTENSION on malformed input. */
  readonly decode: (value: Uint8Array) => T;
  /** DER of the extension's own structure (the extnValue content). */
  readonly encode: (value: T) => Uint8Array;
}

function codec<T>(oid: string, decode: (value: Uint8Array) => T, encode: (value: T) => Uint8Array): ExtensionCodec<T> {
  return { oid, decode, encode };
}

/** Every extension Keyline decodes, by its RFC 5280 name. */
export const extensionCodecs = {
  basicConstraints: codec(OID.basicConstraints, decodeBasicConstraints, encodeBasicConstraints),
  keyUsage: codec(OID.keyUsage, decodeKeyUsage, encodeKeyUsage),
  extKeyUsage: codec(OID.extKeyUsage, decodeExtKeyUsage, encodeExtKeyUsage),
  subjectKeyIdentifier: codec(OID.subjectKeyIdentifier, decodeSubjectKeyIdentifier, encodeSubjectKeyIdentifier),
  authorityKeyIdentifier: codec(OID.authorityKeyIdentifier, decodeAuthorityKeyIdentifier, encodeAuthorityKeyIdentifier),
  subjectAltName: codec(OID.subjectAltName, decodeSubjectAltName, encodeSubjectAltName),
  issuerAltName: codec(OID.issuerAltName, decodeIssuerAltName, encodeIssuerAltName),
  nameConstraints: codec(OID.nameConstraints, decodeNameConstraints, encodeNameConstraints),
  certificatePolicies: codec(OID.certificatePolicies, decodeCertificatePolicies, encodeCertificatePolicies),
  policyMappings: codec(OID.policyMappings, decodePolicyMappings, encodePolicyMappings),
  policyConstraints: codec(OID.policyConstraints, decodePolicyConstraints, encodePolicyConstraints),
  inhibitAnyPolicy: codec(OID.inhibitAnyPolicy, decodeInhibitAnyPolicy, encodeInhibitAnyPolicy),
  cRLDistributionPoints: codec(OID.cRLDistributionPoints, decodeCrlDistributionPoints, encodeCrlDistributionPoints),
  authorityInfoAccess: codec(OID.authorityInfoAccess, decodeAuthorityInfoAccess, encodeAuthorityInfoAccess),
  subjectInfoAccess: codec(OID.subjectInfoAccess, decodeSubjectInfoAccess, encodeSubjectInfoAccess),
} as const;

type Codecs = typeof extensionCodecs;

/** The name of an extension Keyline decodes. */
export type KnownExtensionName = keyof Codecs;

/** The decoded value type of a known extension. */
export type KnownExtensionValue<K extends KnownExtensionName> = Codecs[K] extends ExtensionCodec<infer T> ? T : never;

/** A decoded known extension: its name and its value, discriminated by `name`. */
export type DecodedExtension = {
  [K in KnownExtensionName]: { readonly name: K; readonly value: KnownExtensionValue<K> };
}[KnownExtensionName];

const NAME_BY_OID: ReadonlyMap<string, KnownExtensionName> = new Map(
  (Object.keys(extensionCodecs) as KnownExtensionName[]).map((name) => [extensionCodecs[name].oid, name]),
);

/**
 * The OIDs of the extensions Keyline understands. Path validation refuses a certificate with a
 * critical extension outside this set (RFC 5280 4.2: "A certificate-using system MUST reject the
 * certificate if it encounters a critical extension it does not recognize").
 */
export const SUPPORTED_EXTENSION_OIDS: ReadonlySet<string> = new Set(NAME_BY_OID.keys());

/** The name of the known extension with `oid`, or undefined. */
export function knownExtensionName(oid: string): KnownExtensionName | undefined {
  return NAME_BY_OID.get(oid);
}

/**
 * Decodes `ext.value` with the codec its OID selects. Returns undefined for an OID Keyline does not
 * know (the extension stays opaque); throws ERR_DER_* or ERR_X509_BAD_EXTENSION for a known
 * extension whose value is malformed. The critical flag is not judged here.
 */
export function decodeKnownExtension(ext: Extension): DecodedExtension | undefined {
  const name = NAME_BY_OID.get(ext.oid);
  if (name === undefined) return undefined;
  const decode = extensionCodecs[name].decode as (value: Uint8Array) => unknown;
  return { name, value: decode(ext.value) } as DecodedExtension;
}

/**
 * Builds an Extension from a known extension's name and value (encoding it), e.g.
 * `knownExtension('basicConstraints', { ca: true }, true)`.
 */
export function knownExtension<K extends KnownExtensionName>(
  name: K,
  value: KnownExtensionValue<K>,
  critical = false,
): Extension {
  const c = extensionCodecs[name] as unknown as ExtensionCodec<KnownExtensionValue<K>>;
  return { oid: c.oid, critical, value: c.encode(value) };
}
