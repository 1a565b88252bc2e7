/**
 * ca/ — the certificate authority core: the issuance cycle, roots and CAs, issuance from CSRs and on
 * the factory line, revocation, CRLs and OCSP, recovery. It declares the ports it needs (store,
 * keys, clock, random, audit) and speaks neither HTTP nor SQL.
 */
export { createCertificateAuthority, type CertificateAuthority } from './authority.js';
export type { AuthorityDeps, AuthorityOptions } from './options.js';
export type { AuthorityEvent } from './context.js';
export type { AuditAppender, AuditInput } from './audit-port.js';
export { CrlRefresher, type CrlRefresherOptions } from './crl-refresher.js';
export type { InstallCaOptions } from './csr-flow.js';
export type { DeviceRequest, IssueDevicesOptions } from './issue-devices.js';
export { MAX_DEVICE_BATCH } from './issue-devices.js';
export type { RecoveryResult, RecoveryScope } from './recovery.js';
export { REVOCATION_REASONS } from './revoke.js';
export { LABEL_PATTERN } from './labels.js';
export { parseSerialInput } from './serial.js';
export * from './service-port.js';
export type * from './records.js';
export type * from './store-port.js';
