import { OID } from '../../x509/oids.js';
import type { ExtensionRule } from './types.js';

/**
 * Pieces several profiles share (KECP section 4). Each profile file spells out its own table;
 * these constants only keep the common values in one place.
 */

/** KECP 4.2: ECDSA with SHA-256 or SHA-384 (RFC 5758 3.2), nothing else in v1. */
export const ECDSA_SIGNATURES: readonly string[] = [OID.ecdsaWithSha256, OID.ecdsaWithSha384];

/** RFC 5280 4.2.1.9: a CA's basicConstraints MUST be critical. */
export const CRITICAL_REQUIRED: ExtensionRule = { presence: 'required', critical: true };
/** Required and non-critical (key identifiers MUST be non-critical, RFC 5280 4.2.1.1 and 4.2.1.2). */
export const NON_CRITICAL_REQUIRED: ExtensionRule = { presence: 'required', critical: false };
export const NON_CRITICAL_OPTIONAL: ExtensionRule = { presence: 'optional', critical: false };
export const CRITICAL_OPTIONAL: ExtensionRule = { presence: 'optional', critical: true };
/** basicConstraints on an end entity: RFC 5280 4.2.1.9 lets it be either critical or not. */
export const EITHER_OPTIONAL: ExtensionRule = { presence: 'optional', critical: 'either' };

/** Name attributes a CA's subject may carry besides the required ones. */
export const CA_OPTIONAL_ATTRIBUTES: readonly string[] = [
  OID.countryName,
  OID.stateOrProvinceName,
  OID.localityName,
  OID.organizationalUnitName,
  OID.organizationIdentifier,
];
