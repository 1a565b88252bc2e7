/**
 * The hash-chained audit log: every state-changing operation appends an entry that carries the
 * hash of the one before; signed checkpoints attest the chain; verification proves it intact or
 * names the first entry that was changed, removed, inserted or reordered. Format: docs/audit.md.
 */
export { appendAudit, isCheckpointDue, DEFAULT_CHECKPOINT_INTERVAL } from './append.js';
export type { AppendAuditOptions, AuditEvent, CheckpointPolicy } from './append.js';
export { assertAuditIntact } from './assert.js';
export { canonicalJson, toAuditJson, MAX_DETAIL_DEPTH, type JsonValue } from './canonical.js';
export {
  CHECKPOINT_ACTION,
  CHECKPOINT_PURPOSE,
  CHECKPOINT_TARGET,
  auditKeyId,
  auditKeyRing,
  checkpointMessage,
  checkpointProblem,
  readCheckpointDetails,
  writeCheckpoint,
} from './checkpoint.js';
export type { AuditKeyRing, CheckpointDetails, WriteCheckpointOptions } from './checkpoint.js';
export { GENESIS_HASH, auditHash, auditHashInput, hashMatches, type AuditEntryContent } from './hash.js';
export type { AuditStore } from './store.js';
export { verifyAudit } from './verify.js';
export type {
  AuditAnchor,
  AuditBroken,
  AuditIntact,
  AuditProblem,
  AuditVerification,
  VerifyAuditOptions,
} from './verify.js';
