import { isKeylineError } from '@keyline/core';
import type { AuditEntry } from '../ca/records.js';
import type { AuditRepository } from '../ca/store-port.js';
import { CHECKPOINT_ACTION, auditKeyRing, checkpointProblem, type AuditKeyRing } from './checkpoint.js';
import { AuditCursor, type CursorRow } from './cursor.js';
import { GENESIS_HASH, auditHash, hashMatches } from './hash.js';
import type { AuditStore } from './store.js';

/** What was done to the first entry that is not as it was written. */
export type AuditProblem = 'changed' | 'removed' | 'inserted' | 'reordered' | 'bad-checkpoint';

/** A `(seq, hash)` pair kept outside the database, e.g. what an earlier `keyline audit verify` printed. */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
}

export interface VerifyAuditOptions {
  /**
   * The audit public key(s) (DER SubjectPublicKeyInfo) that checkpoints must be signed by. Without
   * it the chain and the form of each checkpoint are still checked, but no signature is.
   */
  readonly auditPublicKeySpki?: Uint8Array | readonly Uint8Array[];
  /** Entries read per `range` call; 1..100 000, default 1 000. Memory holds about one batch. */
  readonly batchSize?: number;
  /** An entry recorded elsewhere: the log must still reach it, with that hash (catches truncation). */
  readonly anchor?: AuditAnchor;
}

export interface AuditIntact {
  readonly ok: true;
  /** Entries in the log, checkpoints included. */
  readonly entries: number;
  readonly checkpoints: number;
  /** The last entry's seq (0 for an empty log). */
  readonly lastSeq: number;
  /** The last entry's hash (64 zeros for an empty log): record it elsewhere to anchor a later verification. */
  readonly lastHash: string;
  /** The seq of the last checkpoint, null when there is none. Entries after it are attested by no signature. */
  readonly lastCheckpointSeq: number | null;
  /** Whether checkpoint signatures were verified (an audit public key was given). */
  readonly signaturesChecked: boolean;
}

export interface AuditBroken {
  readonly ok: false;
  /** The first entry (stored position) that was changed, removed, inserted, reordered, or the bad checkpoint. */
  readonly seq: number;
  readonly problem: AuditProblem;
  /** `entry 17 was changed: …`, saying what shows it. */
  readonly message: string;
  /** Entries found intact before it. */
  readonly checked: number;
}

export type AuditVerification = AuditIntact | AuditBroken;

const DEFAULT_BATCH_SIZE = 1000;
/** How far back a renumbered entry's original seq is looked for (entries removed in one place). */
const MAX_RENUMBER_SHIFT = 1000;

const VERBS: Readonly<Record<AuditProblem, string>> = {
  changed: 'was changed',
  removed: 'was removed',
  inserted: 'was inserted',
  reordered: 'was reordered',
  'bad-checkpoint': 'is a bad checkpoint',
};

function broken(seq: number, problem: AuditProblem, why: string, checked: number): AuditBroken {
  return { ok: false, seq, problem, message: `entry ${seq} ${VERBS[problem]}: ${why}`, checked };
}

/** The last entry accepted as intact (the genesis position before the first). */
interface Accepted {
  readonly seq: number;
  readonly hash: string;
  /** Undefined at the genesis position. */
  readonly prevHash: string | undefined;
}

const GENESIS: Accepted = { seq: 0, hash: GENESIS_HASH, prevHash: undefined };

function contentHashWith(entry: AuditEntry, change: Partial<Pick<AuditEntry, 'seq' | 'prevHash'>>): string | undefined {
  try {
    return auditHash({ ...entry, ...change });
  } catch {
    return undefined;
  }
}

/** What a forward scan of the rest of the log found. */
interface ScanResult {
  /** The position of the first row that names `successorOf` as its predecessor. */
  readonly successorAt: number | undefined;
  /** The position of a row whose hash is `predecessorHash`. */
  readonly predecessorAt: number | undefined;
}

async function scan(
  repository: AuditRepository,
  batchSize: number,
  from: number,
  until: number,
  successorOf: string,
  predecessorHash: string | undefined,
): Promise<ScanResult> {
  const cursor = new AuditCursor(repository, batchSize, from, until);
  let successorAt: number | undefined;
  let predecessorAt: number | undefined;
  for (let row = await cursor.next(); row !== undefined; row = await cursor.next()) {
    if (successorAt === undefined && row.prevHash === successorOf) successorAt = row.seq;
    if (predecessorAt === undefined && predecessorHash !== undefined && row.hash === predecessorHash) {
      predecessorAt = row.seq;
    }
    if (successorAt !== undefined && (predecessorHash === undefined || predecessorAt !== undefined)) break;
  }
  return { successorAt, predecessorAt };
}

function keyRingOf(option: VerifyAuditOptions['auditPublicKeySpki']): AuditKeyRing | undefined {
  if (option === undefined) return undefined;
  const spkis = option instanceof Uint8Array ? [option] : option;
  if (spkis.length === 0) return undefined;
  return auditKeyRing(spkis);
}

/**
 * Verifies the audit log in stored order, in batches (bounded memory), and names the FIRST entry
 * that is not as it was written. An entry is accepted when its seq is the next one, its hash
 * matches its content (`auditHash`) and its prevHash is the hash of the entry accepted before it;
 * a checkpoint must also cover that previous entry and, with a key given, carry a valid signature.
 * At the first row that fails, the evidence around it decides, in this order (docs/audit.md,
 * "Verification", gives the reasoning and the tampering each rule stands for):
 *
 * 1. a seq below 1, not a whole number, or held by two rows → `inserted` at that seq;
 * 2. a seq that skips: the row after the gap is the missing entry with its seq edited →
 *    `reordered`; else the missing entry's successor-link turns up further on → `reordered`; else
 *    `removed` (at the missing seq);
 * 3. a row the store cannot read back (details not JSON, …) → `changed`;
 * 4. the next row names the previous entry as its predecessor, so this row is extra: `reordered`
 *    when it is that row's own predecessor (two entries swapped), else `inserted`;
 * 5. this row names the previous entry but does not hash to its stored hash → `changed`;
 * 6. this row and the previous entry name the same predecessor → `inserted` (the one of the two
 *    that still hashes at its position is the insertion);
 * 7. the previous entry's successor is further on → `reordered` when this row's own predecessor
 *    is also further on, else `inserted`;
 * 8. nothing names the previous entry: if this row hashes under the previous entry's hash as
 *    prevHash → `changed` (its prevHash was edited); under a higher seq → `removed` (entries removed
 *    and the rest renumbered); otherwise → `changed`. If this row is intact, the previous entry was
 *    rewritten with a recomputed hash → `changed` (or `reordered` when its rightful place is
 *    further on) at the previous seq.
 *
 * What this detects and what it cannot (entries appended or rewritten after the last checkpoint
 * by someone who recomputes the hashes; the tail cut after it, unless `anchor` says what must be
 * there) is set out in docs/audit.md. Store failures (KeylineErrors) propagate.
 */
export async function verifyAudit(store: AuditStore, options: VerifyAuditOptions = {}): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    throw new TypeError('batchSize must be a whole number from 1 to 100000');
  }
  const anchor = options.anchor;
  if (
    anchor !== undefined &&
    (!Number.isSafeInteger(anchor.seq) || anchor.seq < 1 || !/^[0-9a-f]{64}$/.test(anchor.hash))
  ) {
    throw new TypeError('an anchor is a seq ≥ 1 and a 64-digit lower-case hex hash');
  }
  const keys = keyRingOf(options.auditPublicKeySpki);
  const repository = store.audit;

  // Rows below seq 1 come before the first entry in stored order: none belongs there.
  const early = await new AuditCursor(repository, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0).next();
  if (early !== undefined) {
    return broken(early.seq, 'inserted', 'the log starts at entry 1; nothing comes before it', 0);
  }

  // The last row bounds the reading; when it cannot be read back, read up to 2^53 - 1 and say so
  // at the end if nothing before showed why.
  let lastUnreadable: string | undefined;
  let last: AuditEntry | undefined;
  try {
    last = await repository.last();
  } catch (error) {
    if (isKeylineError(error) || !(error instanceof Error)) throw error;
    lastUnreadable = `${error.name}: ${error.message}`;
  }
  const until =
    lastUnreadable !== undefined
      ? Number.MAX_SAFE_INTEGER
      : last === undefined
        ? 0
        : Number.isSafeInteger(last.seq)
          ? last.seq
          : Number.MAX_SAFE_INTEGER;
  const cursor = new AuditCursor(repository, batchSize, 1, until);
  let previous: Accepted = GENESIS;
  let entries = 0;
  let checkpoints = 0;
  let lastCheckpointSeq: number | null = null;

  for (let row = await cursor.next(); row !== undefined; row = await cursor.next()) {
    const next = await cursor.peek();
    const expected = previous.seq + 1;
    if (!Number.isSafeInteger(row.seq)) {
      return broken(row.seq, 'inserted', 'its seq is not a whole number', entries);
    }
    if (next !== undefined && next.seq === row.seq) {
      return broken(row.seq, 'inserted', `two rows hold seq ${row.seq}`, entries);
    }
    if (row.seq > expected) {
      if (row.prevHash === previous.hash) {
        // The entry after the gap names the previous entry as its predecessor: either it was
        // relinked over removed entries, or it is the next entry itself with its seq changed.
        return contentHashWith(row, { seq: expected }) === row.hash
          ? broken(expected, 'reordered', `it was moved to position ${row.seq}`, entries)
          : broken(expected, 'removed', `the log skips from entry ${previous.seq} to entry ${row.seq}`, entries);
      }
      const found = await scan(repository, batchSize, row.seq, until, previous.hash, undefined);
      return found.successorAt === undefined
        ? broken(expected, 'removed', `the log skips from entry ${previous.seq} to entry ${row.seq}`, entries)
        : broken(
            expected,
            'reordered',
            `the entry that follows entry ${previous.seq} is at position ${found.successorAt}`,
            entries,
          );
    }
    if (row.unreadable !== undefined) {
      return broken(row.seq, 'changed', `it cannot be read back (${row.unreadable})`, entries);
    }
    const intact = hashMatches(row);
    const linked = row.prevHash === previous.hash;
    if (intact && linked) {
      if (row.action === CHECKPOINT_ACTION) {
        const problem = checkpointProblem(row, previous, keys);
        if (problem !== undefined) return broken(row.seq, 'bad-checkpoint', problem, entries);
        checkpoints += 1;
        lastCheckpointSeq = row.seq;
      }
      if (anchor !== undefined && row.seq === anchor.seq && row.hash !== anchor.hash) {
        return broken(
          row.seq,
          'changed',
          `its hash differs from the anchor: it or an entry before it (after the last valid checkpoint${
            lastCheckpointSeq === null ? '' : `, entry ${lastCheckpointSeq}`
          }) was rewritten with recomputed hashes`,
          entries,
        );
      }
      previous = { seq: row.seq, hash: row.hash, prevHash: row.prevHash };
      entries += 1;
      continue;
    }
    return classify(repository, batchSize, until, previous, row, next, intact, linked, entries);
  }

  if (lastUnreadable !== undefined) {
    return broken(
      previous.seq + 1,
      'changed',
      `the log's last row cannot be read back (${lastUnreadable}): its seq or columns were edited`,
      entries,
    );
  }
  if (anchor !== undefined && previous.seq < anchor.seq) {
    return broken(
      previous.seq + 1,
      'removed',
      `the log ends at entry ${previous.seq} but the anchor records entry ${anchor.seq}`,
      entries,
    );
  }
  return {
    ok: true,
    entries,
    checkpoints,
    lastSeq: previous.seq,
    lastHash: previous.hash,
    lastCheckpointSeq,
    signaturesChecked: keys !== undefined,
  };
}

/** Classifies the first row (at the expected seq) that does not hash or link as it should. */
async function classify(
  repository: AuditRepository,
  batchSize: number,
  until: number,
  previous: Accepted,
  row: CursorRow,
  next: CursorRow | undefined,
  intact: boolean,
  linked: boolean,
  checked: number,
): Promise<AuditBroken> {
  const seq = row.seq;
  if (next !== undefined && next.prevHash === previous.hash) {
    return next.hash === row.prevHash
      ? broken(seq, 'reordered', `it and entry ${next.seq} are swapped`, checked)
      : broken(seq, 'inserted', `entry ${next.seq} is the one that follows entry ${previous.seq}`, checked);
  }
  if (linked) return broken(seq, 'changed', 'its hash does not match its content', checked);
  if (previous.prevHash !== undefined && row.prevHash === previous.prevHash) {
    // Two rows claim one predecessor: an insertion pushed the original on by one position, and the
    // original no longer hashes at its new seq.
    return intact
      ? broken(seq, 'inserted', `it and entry ${previous.seq} both follow entry ${previous.seq - 1}`, checked)
      : broken(previous.seq, 'inserted', `it and entry ${seq} both follow entry ${previous.seq - 1}`, checked - 1);
  }
  const found = await scan(repository, batchSize, seq + 1, until, previous.hash, row.prevHash);
  if (found.successorAt !== undefined) {
    return found.predecessorAt !== undefined
      ? broken(
          seq,
          'reordered',
          `the entry that follows entry ${previous.seq} is at position ${found.successorAt}, and this one belongs after position ${found.predecessorAt}`,
          checked,
        )
      : broken(
          seq,
          'inserted',
          `the entry that follows entry ${previous.seq} is at position ${found.successorAt}`,
          checked,
        );
  }
  if (!intact) {
    if (contentHashWith(row, { prevHash: previous.hash }) === row.hash) {
      return broken(seq, 'changed', 'its prevHash was changed', checked);
    }
    for (let shift = 1; shift <= MAX_RENUMBER_SHIFT; shift++) {
      if (contentHashWith(row, { seq: seq + shift }) === row.hash) {
        return broken(
          seq,
          'removed',
          `${shift === 1 ? 'it is missing' : `${shift} entries from here are missing`} and the entries after were renumbered (this row was written as entry ${seq + shift})`,
          checked,
        );
      }
    }
    return broken(seq, 'changed', 'its hash matches neither its content nor the entry before it', checked);
  }
  if (previous.prevHash === undefined) {
    return broken(
      seq,
      'changed',
      'it hashes correctly but does not start the chain (its prevHash is not 64 zeros)',
      checked,
    );
  }
  return found.predecessorAt !== undefined
    ? broken(
        previous.seq,
        'reordered',
        `entry ${seq} follows the entry at position ${found.predecessorAt}, not this one`,
        checked - 1,
      )
    : broken(
        previous.seq,
        'changed',
        `entry ${seq} records a different hash for it: it was rewritten and its hash recomputed`,
        checked - 1,
      );
}
