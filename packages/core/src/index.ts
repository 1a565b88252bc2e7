/**
 * @keyline/core — what every party of the Keyline ecosystem needs: strict X.509, the ecosystem
 */
export * from './errors/index.js';
export * from './ports/index.js';
export * from './x509/der/index.js';
export * from './x509/pem.js';
export { OID, ATTRIBUTE_SHORT_NAMES } from './x509/oids.js';
export { readRawAlgorithmIdentifier, type RawAlgorithmIdentifier } from './x509/algorithm-identifier.js';
export * from './x509/certificate/index.js';
export * from './x509/name/index.js';
export * from './x509/extensions/index.js';
