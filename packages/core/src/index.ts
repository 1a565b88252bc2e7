/**
 * @keyline/core — what every party of the Keyline ecosystem needs: strict X.509, the ecosystem
 * certificate policy, and RFC 5280 path validation. Pure TypeScript over node:crypto.
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
export * from './x509/csr/index.js';
export * from './x509/crl/index.js';
export * from './x509/ocsp/index.js';
export * from './x509/pkcs7/index.js';
export * from './policy/index.js';
export * from './trust/index.js';
export * from './issuance/index.js';
export * from './crypto/index.js';
