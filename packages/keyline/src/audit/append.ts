import type { Clock, Signer } from '@keyline/core';
import type { AuditEntry } from '../ca/records.js';
import { appendEntry } from './append-entry.js';
import { toAuditJson, type JsonValue } from './canonical.js';
import { CHECKPOINT_ACTION, writeCheckpoint } from './checkpoint.js';
import type { AuditStore } from './store.js';

/** What an operation records in the audit log. */
export interface AuditEvent {
  /** Who did it: `cli`, `token:<id>`, `system`. */
  readonly actor: string;
  /** What was done, e.g. `ca.create`, `cert.issue`, `cert.revoke`, `crl.sign`. */
  readonly action: string;
  /** What it was done to, e.g. a CA id or `<caId>:<serialHex>`. */
  readonly target: string;
  /**
   * Anything else worth keeping, stored as JSON (see `toAuditJson`: bigints become decimal
   * strings, bytes lower-case hex, Dates ISO 8601). Never put secrets here: the log is read by
   * auditors and kept forever.
   */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Entries between checkpoints when the caller does not say. */
export const DEFAULT_CHECKPOINT_INTERVAL = 100;

/** When `appendAudit` also writes a checkpoint. */
export interface CheckpointPolicy {
  /** The audit key's signer. */
  readonly signer: Signer;
  /** Checkpoints take the seqs that are multiples of this (≥ 2); default 100. */
  readonly every?: number;
}

export interface AppendAuditOptions {
  readonly checkpoint?: CheckpointPolicy;
}

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`an audit event needs a non-empty ${name}`);
  return value;
}

/**
 * Whether a checkpoint is due after `entry`: the next seq is a multiple of `every` (so checkpoints
 * sit at seq 100, 200, 300 … by default) and `entry` is not itself a checkpoint. Stateless, so every
 * writer of the log agrees on it; a checkpoint written on demand in between does not move them.
 */
export function isCheckpointDue(entry: AuditEntry, every: number = DEFAULT_CHECKPOINT_INTERVAL): boolean {
  if (!Number.isSafeInteger(every) || every < 2)
    throw new TypeError('the checkpoint interval must be a whole number ≥ 2');
  return entry.action !== CHECKPOINT_ACTION && (entry.seq + 1) % every === 0;
}

/**
 * Appends one entry to the audit log: seq = last seq + 1, prevHash = the last entry's hash (64
 * zeros for the first), hash = SHA-256 of the canonical form (`auditHashInput`). Call it with the
 * transaction store (`tx` of `Store.transaction`) of the change it records, so that both commit or
 * neither does; two writers racing for the same seq make the store refuse one (ERR_STORE_CONFLICT).
 *
 * With `options.checkpoint`, also appends a signed checkpoint when one is due (`isCheckpointDue`).
 * Returns the entry for the event (not the checkpoint). A malformed event (empty actor, action or
 * target; details JSON cannot carry; the reserved action `audit.checkpoint`) is a TypeError.
 */
export async function appendAudit(
  store: AuditStore,
  event: AuditEvent,
  clock: Clock,
  options: AppendAuditOptions = {},
): Promise<AuditEntry> {
  const actor = requireText(event.actor, 'actor');
  const action = requireText(event.action, 'action');
  const target = requireText(event.target, 'target');
  if (action === CHECKPOINT_ACTION) throw new TypeError(`${CHECKPOINT_ACTION} entries are written by writeCheckpoint`);
  const details = toAuditJson(event.details ?? {});
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    throw new TypeError('audit details must be an object');
  }
  const at = new Date(clock.now().getTime());
  if (Number.isNaN(at.getTime())) throw new TypeError('the clock gave an invalid Date');
  const every = options.checkpoint?.every ?? DEFAULT_CHECKPOINT_INTERVAL;
  if (options.checkpoint !== undefined && (!Number.isSafeInteger(every) || every < 2)) {
    throw new TypeError('the checkpoint interval must be a whole number ≥ 2');
  }
  const last = await store.audit.last();
  const entry = await appendEntry(
    store.audit,
    { actor, action, target, details: details as { readonly [key: string]: JsonValue } },
    at,
    last,
  );
  if (options.checkpoint !== undefined && isCheckpointDue(entry, every)) {
    await writeCheckpoint(store, options.checkpoint.signer, clock);
  }
  return entry;
}
