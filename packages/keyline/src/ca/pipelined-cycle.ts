import { assembleCertificate } from '@keyline/core';
import type { AuthorityContext } from './context.js';
import {
  checkSigned,
  finishPieces,
  reserveAndPrepare,
  type CycleRequest,
  type IssuedCertificate,
  type Prepared,
  type Signed,
} from './issuance-cycle.js';

/**
 * The issuance cycle of a batch whose signer has a pool of worker threads (issuance-cycle.ts has
 * the steps and their guarantees; this file changes only what runs where and when):
 *
 *   1–3. as on one thread: every serial allocated and every TBS built and linted, then the batch
 *        persisted as `signing` in one transaction (a refusal writes nothing);
 *   4.   once that has committed, the TBSs go to the pool in four pieces (the first small), each
 *        TBS once;
 *   5–6. one transaction records the pieces as they come back: each certificate checked against
 *        the persisted TBS and its record made `valid`, while the pool signs the next piece; then
 *        the audit entry and the commit, so the batch is recorded all or nothing.
 *
 * The pool's work thus overlaps this thread's recording, with no more transactions than on one
 * thread (a transaction per piece would cost more than the overlap saves: measured). The write
 * transaction stays open while the pool signs a piece (milliseconds). Any failure (the pool, a
 * check, the store) rolls the recording back and fails every record of the batch, listed as
 * revoked; a crash leaves `signing` records that `recover` fails the same way.
 */

/** The pool's interface as the cycle uses it (keys/pool/signing-pool.ts implements it). */
export interface CyclePool {
  signMany(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

/** Pieces after the first: each overlaps the recording of the one before. */
const LATER_PIECES = 3;
/** Fewest certificates per piece: a message to the pool and back is worth a few signatures. */
const MIN_PIECE = 8;

/**
 * The sizes of the pieces a batch of `count` is signed in, in order. The first piece is waited for
 * with nothing to overlap, so it is small (an eighth); the rest is split in three, each signed
 * while the one before is recorded (recording a certificate costs this thread about what signing
 * it costs the pool).
 */
export function pieceSizes(count: number): number[] {
  if (count < 2 * MIN_PIECE) return [count];
  const first = Math.max(MIN_PIECE, Math.ceil(count / 8));
  const sizes = [first];
  const later = Math.max(1, Math.min(LATER_PIECES, Math.floor((count - first) / MIN_PIECE)));
  for (let k = 0, left = count - first; k < later; k++) {
    const size = Math.ceil(left / (later - k));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

export async function runPipelinedCycle(
  ctx: AuthorityContext,
  request: CycleRequest,
  algorithm: Uint8Array,
  strict: boolean,
  pool: CyclePool,
): Promise<IssuedCertificate[]> {
  const prepared = await reserveAndPrepare(ctx, request, algorithm, strict);
  for (const p of prepared) ctx.inFlight.add(p.record.id);
  const jobs: Promise<Uint8Array[]>[] = [];
  try {
    const parts: Prepared[][] = [];
    let from = 0;
    for (const size of pieceSizes(prepared.length)) {
      const part = prepared.slice(from, from + size);
      from += size;
      // Step 4: exactly the persisted bytes, once; every piece sent now, signed in order.
      const job = pool.signMany(part.map((p) => p.tbs));
      job.catch(() => undefined); // awaited in order by finishPieces; a rejection is handled there
      parts.push(part);
      jobs.push(job);
    }
    const pieces = parts.map((part, k) => async (): Promise<Signed[]> => {
      const signatures = await jobs[k]!;
      // Step 5 for the piece.
      return part.map((p, i) => checkSigned(p, assembleCertificate(p.tbs, algorithm, signatures[i]!), algorithm));
    });
    return await finishPieces(ctx, request, prepared, pieces);
  } finally {
    // No signature of the batch is still being made once it is recorded or failed.
    await Promise.allSettled(jobs);
    for (const p of prepared) ctx.inFlight.delete(p.record.id);
  }
}
