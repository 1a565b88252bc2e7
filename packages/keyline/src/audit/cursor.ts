import { isKeylineError } from '@keyline/core';
import type { AuditEntry } from '../ca/records.js';
import type { AuditRepository } from '../ca/store-port.js';

/**
 * A row as the cursor delivers it. `unreadable` is set (with the reason) for a row the store could
 * not turn back into an entry (details that are not JSON, a seq beyond 2^53 …): its other
 * members are then placeholders that match nothing.
 */
export type CursorRow = AuditEntry & { readonly unreadable?: string };

function unreadableRow(seq: number, error: unknown): CursorRow {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    seq,
    at: new Date(Number.NaN),
    actor: '',
    action: '',
    target: '',
    details: {},
    prevHash: '',
    hash: '',
    unreadable: reason.length > 200 ? `${reason.slice(0, 200)}…` : reason,
  };
}

/**
 * Whether a store failure is about the data rather than the store: the store's own failures
 * (unavailable, …) are KeylineErrors and are not the log's fault; a row it cannot decode throws
 * something else (a SyntaxError from JSON, a TypeError from a column codec).
 */
function isRowDecodingFailure(error: unknown): boolean {
  return !isKeylineError(error) && error instanceof Error;
}

/** Orders rows by seq, then by hash, so that duplicates of a seq come out the same way every time. */
function byPosition(a: AuditEntry, b: AuditEntry): number {
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}

/**
 * Reads the log in stored (seq) order through `AuditRepository.range`, one window of seqs at a
 * time, so memory holds one window, not the log. A window that comes back empty doubles the next
 * one, so a gap of any size (a seq pushed to 2^52 by hand) is crossed in a few dozen reads. Each
 * window after the first starts at the previous window's end and keeps only rows beyond it, so a
 * seq that is not a whole number (where a schema allows it) is never skipped. A window the store
 * fails to decode is bisected to the first row it cannot read, which is delivered as unreadable.
 */
export class AuditCursor {
  private rows: CursorRow[] = [];
  private index = 0;
  /** The upper bound of the last window read; rows at or below it have been delivered. */
  private done: number;
  private first = true;
  private window: number;

  /**
   * @param from the first seq to read (inclusive)
   * @param until the last seq to read (inclusive): the log's last seq when verification began
   */
  constructor(
    private readonly repository: AuditRepository,
    private readonly batchSize: number,
    private readonly from: number,
    private readonly until: number,
  ) {
    this.done = from;
    this.window = batchSize;
  }

  /** The next row without consuming it; undefined at the end. */
  async peek(): Promise<CursorRow | undefined> {
    while (this.index >= this.rows.length) {
      if (!this.first && this.done >= this.until) return undefined;
      const low = this.first ? this.from : this.done;
      // The first window is [from, from + window - 1]; later ones (done, done + window].
      const high = Math.min(this.until, low + this.window - (this.first ? 1 : 0), Number.MAX_SAFE_INTEGER);
      if (high < low) return undefined;
      const { rows, readUpTo } = await this.read(low, high);
      const keep = this.first
        ? (seq: number) => seq >= low && seq <= readUpTo
        : (seq: number) => seq > low && seq <= readUpTo;
      this.rows = rows.filter((row) => keep(row.seq)).sort(byPosition);
      this.index = 0;
      this.first = false;
      this.done = readUpTo;
      this.window = this.rows.length === 0 ? Math.min(this.window * 2, Number.MAX_SAFE_INTEGER) : this.batchSize;
    }
    return this.rows[this.index];
  }

  /** The next row, consumed; undefined at the end. */
  async next(): Promise<CursorRow | undefined> {
    const row = await this.peek();
    if (row !== undefined) this.index += 1;
    return row;
  }

  /** Reads [low, high]; on a row that cannot be decoded, the rows before it and that row, marked. */
  private async read(low: number, high: number): Promise<{ rows: CursorRow[]; readUpTo: number }> {
    try {
      return { rows: await this.repository.range(low, high), readUpTo: high };
    } catch (error) {
      if (!isRowDecodingFailure(error)) throw error;
      // A later window's lower bound was delivered already; look for the culprit above it.
      const base = this.first ? low : low + 1;
      let cause = await this.failure(base, high);
      if (cause === undefined) return { rows: await this.repository.range(base, high), readUpTo: high };
      // Invariant: range(base, hi) fails; range(base, lo - 1) does not.
      let lo = base;
      let hi = high;
      while (lo < hi) {
        const mid = lo + Math.floor((hi - lo) / 2);
        const failure = await this.failure(base, mid);
        if (failure === undefined) lo = mid + 1;
        else {
          hi = mid;
          cause = failure;
        }
      }
      const before = lo > base ? await this.repository.range(base, lo - 1) : [];
      return { rows: [...before, unreadableRow(lo, cause)], readUpTo: lo };
    }
  }

  private async failure(low: number, high: number): Promise<unknown> {
    try {
      await this.repository.range(low, high);
      return undefined;
    } catch (error) {
      if (!isRowDecodingFailure(error)) throw error;
      return error;
    }
  }
}
