import { createHash } from 'node:crypto';
import type { AuditEntry } from '../ca/records.js';
import { canonicalJson } from './canonical.js';

/** The prevHash of the first entry: 64 zeros (no entry before it). */
export const GENESIS_HASH = '0'.repeat(64);

/** The members of an entry that its hash covers: all of them but `hash`. */
export type AuditEntryContent = Omit<AuditEntry, 'hash'>;

/**
 * The exact bytes an entry's hash is computed over: the UTF-8 encoding of the RFC 8785 canonical
 * JSON of the object
 * `{"action", "actor", "at", "details", "prevHash", "seq", "target"}`
 * where `at` is the ISO 8601 UTC string with milliseconds (`Date.prototype.toISOString`), `seq` a
 * JSON number, `prevHash` the previous entry's hash in lower-case hex and `details` the stored JSON
 * object. prevHash is inside the hashed object, so each hash commits to the whole chain before it.
 */
export function auditHashInput(entry: AuditEntryContent): Buffer {
  return Buffer.from(
    canonicalJson({
      action: entry.action,
      actor: entry.actor,
      at: entry.at.toISOString(),
      details: entry.details,
      prevHash: entry.prevHash,
      seq: entry.seq,
      target: entry.target,
    }),
    'utf8',
  );
}

/** SHA-256 of `auditHashInput(entry)`, lower-case hex: the `hash` of an entry. */
export function auditHash(entry: AuditEntryContent): string {
  return createHash('sha256').update(auditHashInput(entry)).digest('hex');
}

/**
 * Whether a stored entry's hash matches its content. An entry whose members are not what the log
 * can hold (an invalid date, a value JSON cannot carry) does not match.
 */
export function hashMatches(entry: AuditEntry): boolean {
  try {
    return auditHash(entry) === entry.hash;
  } catch {
    return false;
  }
}
