import type { AuditEntry } from '../ca/records.js';
import type { AuditRepository } from '../ca/store-port.js';
import type { JsonValue } from './canonical.js';
import { GENESIS_HASH, auditHash } from './hash.js';

/** An entry before its place in the chain is known. */
export interface UnchainedEntry {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: { readonly [key: string]: JsonValue };
}

/**
 * Chains `entry` after `last` (the log's last entry, read by the caller in the same transaction)
 * and appends it: seq = last.seq + 1, prevHash = last.hash (64 zeros for the first entry).
 */
export async function appendEntry(
  repository: AuditRepository,
  entry: UnchainedEntry,
  at: Date,
  last: AuditEntry | undefined,
): Promise<AuditEntry> {
  const content = {
    seq: (last?.seq ?? 0) + 1,
    at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: entry.details,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const chained: AuditEntry = Object.freeze({ ...content, hash: auditHash(content) });
  await repository.append(chained);
  return chained;
}
