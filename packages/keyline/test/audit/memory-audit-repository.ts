import { KeylineError } from '@keyline/core';
import type { AuditEntry } from '../../src/ca/records.js';
import type { AuditRepository } from '../../src/ca/store-port.js';

/** A row as a database would hold it: every member a plain value, the details as JSON text. */
export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: string;
  prevHash: string;
  hash: string;
}

function toRow(entry: AuditEntry): AuditRow {
  return {
    seq: entry.seq,
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: JSON.stringify(entry.details),
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

function fromRow(row: AuditRow): AuditEntry {
  return { ...row, at: new Date(row.at), details: JSON.parse(row.details) as Record<string, unknown> };
}

/**
 * An AuditRepository over an array, for tests of audit/ without a database. `rows` is public so a
 * test can tamper with it as SQL would (UPDATE, DELETE, INSERT), including things a real schema
 * forbids (two rows with one seq). Reads go through JSON as a store's would. `ranges` counts reads.
 */
export class MemoryAuditRepository implements AuditRepository {
  rows: AuditRow[] = [];
  ranges = 0;
  largestRange = 0;

  async append(entry: AuditEntry): Promise<void> {
    const top = Math.max(0, ...this.rows.map((row) => row.seq));
    if (entry.seq !== top + 1) throw new KeylineError('ERR_STORE_CONFLICT', 'audit seq does not continue the log');
    this.rows.push(toRow(entry));
  }

  async last(): Promise<AuditEntry | undefined> {
    let best: AuditRow | undefined;
    for (const row of this.rows) if (best === undefined || row.seq > best.seq) best = row;
    return best === undefined ? undefined : fromRow(best);
  }

  async range(from: number, to: number): Promise<AuditEntry[]> {
    this.ranges += 1;
    const found = this.rows.filter((row) => row.seq >= from && row.seq <= to).sort((a, b) => a.seq - b.seq);
    this.largestRange = Math.max(this.largestRange, found.length);
    return found.map(fromRow);
  }

  async count(): Promise<number> {
    return this.rows.length;
  }

  /** The row at `seq` (the first, if several). */
  row(seq: number): AuditRow {
    const row = this.rows.find((r) => r.seq === seq);
    if (row === undefined) throw new Error(`no row ${seq}`);
    return row;
  }
}

/** A `{ audit }` store over a fresh memory repository. */
export function memoryStore(): { audit: MemoryAuditRepository } {
  return { audit: new MemoryAuditRepository() };
}
