import type { Clock } from '@keyline/core';
import type { Store } from './store-port.js';

/** One audit record as the CA describes it; the audit log adds seq, time and the hash chain. */
export interface AuditInput {
  /** `Actor.id`: `cli`, `token:<id>`, `system`. */
  readonly actor: string;
  /** e.g. `cert.issue`, `cert.revoke`, `crl.sign`. */
  readonly action: string;
  /** e.g. a CA id or `<caId>:<serialHex>`. */
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * How the CA appends to the hash-chained audit log: audit/'s `appendAudit`, called with the
 * transaction's store so the entry commits or rolls back with the change it records.
 */
export type AuditAppender = (store: Store, entry: AuditInput, clock: Clock) => Promise<unknown>;
