import type { AuditRepository } from '../ca/store-port.js';

/**
 * What the audit functions need of a store: its audit repository. A whole `Store` (or the `tx`
 * store inside `Store.transaction`) qualifies.
 */
export interface AuditStore {
  readonly audit: AuditRepository;
}
