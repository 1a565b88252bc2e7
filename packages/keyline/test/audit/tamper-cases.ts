import type { AuditProblem } from '../../src/audit/index.js';
import type { AuditRow } from './memory-audit-repository.js';
import { rowHash } from './fixtures.js';

/**
 * Direct edits of the audit table, as someone with write access to the database makes them. The
 * SQL implementation issues UPDATE/DELETE/INSERT statements; the memory one edits the array.
 */
export interface Tamperer {
  get(seq: number): Promise<AuditRow>;
  update(seq: number, set: Partial<AuditRow>): Promise<void>;
  remove(seq: number): Promise<void>;
  insert(row: AuditRow): Promise<void>;
  /** UPDATE … SET seq = seq + by WHERE seq >= from (in two steps where a primary key needs it). */
  shift(from: number, by: number): Promise<void>;
  /** Exchanges the seq of two rows. */
  swap(a: number, b: number): Promise<void>;
}

/** Rewrites the row at `seq` with `set`, recomputes its hash, and relinks and rehashes every row after it. */
export async function rewriteChain(t: Tamperer, seq: number, set: Partial<AuditRow>, last: number): Promise<void> {
  let row = { ...(await t.get(seq)), ...set };
  row.hash = rowHash(row);
  await t.update(seq, row);
  for (let s = seq + 1; s <= last; s++) {
    const next = { ...(await t.get(s)), prevHash: row.hash };
    next.hash = rowHash(next);
    await t.update(s, next);
    row = next;
  }
}

export interface TamperCase {
  readonly name: string;
  /** Entries in the log before tampering (no checkpoints). */
  readonly entries: number;
  readonly tamper: (t: Tamperer) => Promise<void>;
  /** What verification reports; `undetected` for what only a checkpoint or an anchor can reveal. */
  readonly expect: { readonly seq: number; readonly problem: AuditProblem } | 'undetected';
}

/** What each tampering must be reported as, on a log of 12 entries. */
export const TAMPER_CASES: readonly TamperCase[] = [
  {
    name: 'target edited',
    entries: 12,
    tamper: (t) => t.update(5, { target: 'ca_9:dead' }),
    expect: { seq: 5, problem: 'changed' },
  },
  {
    name: 'actor edited',
    entries: 12,
    tamper: (t) => t.update(1, { actor: 'system' }),
    expect: { seq: 1, problem: 'changed' },
  },
  {
    name: 'details edited',
    entries: 12,
    tamper: async (t) => t.update(7, { details: (await t.get(7)).details.replace('"n":7', '"n":8') }),
    expect: { seq: 7, problem: 'changed' },
  },
  {
    name: 'time edited',
    entries: 12,
    tamper: (t) => t.update(12, { at: '2024-01-01T00:00:00.000Z' }),
    expect: { seq: 12, problem: 'changed' },
  },
  {
    name: 'time unreadable',
    entries: 12,
    tamper: (t) => t.update(3, { at: 'yesterday' }),
    expect: { seq: 3, problem: 'changed' },
  },
  {
    name: 'hash edited',
    entries: 12,
    tamper: (t) => t.update(5, { hash: 'f'.repeat(64) }),
    expect: { seq: 5, problem: 'changed' },
  },
  {
    name: 'prevHash edited',
    entries: 12,
    tamper: (t) => t.update(5, { prevHash: 'e'.repeat(64) }),
    expect: { seq: 5, problem: 'changed' },
  },
  {
    name: 'target edited and hash recomputed',
    entries: 12,
    tamper: async (t) => {
      const row = { ...(await t.get(5)), target: 'elsewhere' };
      await t.update(5, { target: row.target, hash: rowHash(row) });
    },
    expect: { seq: 5, problem: 'changed' },
  },
  {
    name: 'last entry edited and hash recomputed',
    entries: 12,
    tamper: async (t) => {
      const row = { ...(await t.get(12)), target: 'elsewhere' };
      await t.update(12, { target: row.target, hash: rowHash(row) });
    },
    // Nothing follows the last entry: without a checkpoint or anchor after it, this cannot show.
    expect: 'undetected',
  },
  { name: 'entry removed', entries: 12, tamper: (t) => t.remove(5), expect: { seq: 5, problem: 'removed' } },
  { name: 'first entry removed', entries: 12, tamper: (t) => t.remove(1), expect: { seq: 1, problem: 'removed' } },
  {
    name: 'three entries removed',
    entries: 12,
    tamper: async (t) => {
      for (const s of [5, 6, 7]) await t.remove(s);
    },
    expect: { seq: 5, problem: 'removed' },
  },
  {
    name: 'entry removed and the rest renumbered',
    entries: 12,
    tamper: async (t) => {
      await t.remove(5);
      await t.shift(6, -1);
    },
    expect: { seq: 5, problem: 'removed' },
  },
  {
    name: 'two entries removed and the rest renumbered',
    entries: 12,
    tamper: async (t) => {
      await t.remove(5);
      await t.remove(6);
      await t.shift(7, -2);
    },
    expect: { seq: 5, problem: 'removed' },
  },
  {
    name: 'entry removed and the next one relinked over the gap',
    entries: 12,
    tamper: async (t) => {
      const before = await t.get(4);
      await t.remove(5);
      const row = { ...(await t.get(6)), prevHash: before.hash };
      await t.update(6, { prevHash: row.prevHash, hash: rowHash(row) });
    },
    expect: { seq: 5, problem: 'removed' },
  },
  {
    name: 'row inserted (the rest pushed on)',
    entries: 12,
    tamper: async (t) => {
      const model = await t.get(5);
      await t.shift(5, 1);
      await t.insert({ ...model, seq: 5, target: 'forged', hash: '1'.repeat(64), prevHash: '2'.repeat(64) });
    },
    expect: { seq: 5, problem: 'inserted' },
  },
  {
    name: 'well-forged row inserted (the rest pushed on)',
    entries: 12,
    tamper: async (t) => {
      const before = await t.get(4);
      const model = await t.get(5);
      await t.shift(5, 1);
      const forged = { ...model, seq: 5, target: 'forged', prevHash: before.hash };
      await t.insert({ ...forged, hash: rowHash(forged) });
    },
    expect: { seq: 5, problem: 'inserted' },
  },
  {
    name: 'row inserted before the first',
    entries: 12,
    tamper: async (t) => t.insert({ ...(await t.get(2)), seq: 0 }),
    expect: { seq: 0, problem: 'inserted' },
  },
  {
    name: 'row inserted at a negative seq',
    entries: 12,
    tamper: async (t) => t.insert({ ...(await t.get(2)), seq: -3 }),
    expect: { seq: -3, problem: 'inserted' },
  },
  {
    name: 'two neighbours swapped',
    entries: 12,
    tamper: (t) => t.swap(5, 6),
    expect: { seq: 5, problem: 'reordered' },
  },
  { name: 'first two swapped', entries: 12, tamper: (t) => t.swap(1, 2), expect: { seq: 1, problem: 'reordered' } },
  {
    name: 'distant entries swapped',
    entries: 12,
    tamper: (t) => t.swap(5, 9),
    expect: { seq: 5, problem: 'reordered' },
  },
  { name: 'last two swapped', entries: 12, tamper: (t) => t.swap(11, 12), expect: { seq: 11, problem: 'reordered' } },
  {
    name: 'entry moved far away',
    entries: 12,
    tamper: (t) => t.update(5, { seq: 1000 }),
    expect: { seq: 5, problem: 'reordered' },
  },
  {
    name: 'entry moved beyond 2^52',
    entries: 12,
    tamper: (t) => t.update(12, { seq: 2 ** 52 }),
    expect: { seq: 12, problem: 'reordered' },
  },
  {
    name: 'row with a wrong hash appended',
    entries: 12,
    tamper: async (t) => t.insert({ ...(await t.get(12)), seq: 13, prevHash: (await t.get(12)).hash, target: 'x' }),
    // Indistinguishable from the new last entry being edited (docs/audit.md).
    expect: { seq: 13, problem: 'changed' },
  },
];
