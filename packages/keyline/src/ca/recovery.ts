import { isKeylineError } from '@keyline/core';
import { requireAdmin } from './authorise.js';
import type { AuthorityContext } from './context.js';
import type { CertificateRecord } from './records.js';
import type { Actor } from './service-port.js';

/** What a recovery run did. */
export interface RecoveryResult {
  /** Records finished as issued. Always 0: recovery never signs (see below). */
  readonly completed: number;
  /** Records marked `failed`. */
  readonly failed: number;
  /** Of those, the ones that had reached `signing`, now listed as revoked in CRLs and OCSP. */
  readonly revoked: number;
}

/**
 * Which unfinished records one recovery run may touch (each limit narrows; none: all of them).
 *
 * Other processes may have cycles of their own in flight on the same store (a factory line, the
 * server, `keyline issue`), and nothing in the store says whether a record's process is alive. Two
 * ways keep their records safe: naming the records (a factory batch resuming its own chips, by
 * request id), or age (`unfinishedBefore`): a live cycle moves its records on within seconds, so a
 * record untouched for minutes was left by a crash. `keyline serve` and `keyline recover` use age.
 */
export interface RecoveryScope {
  /** Only this CA's records. */
  readonly caId?: string;
  /** Only records issued under these request ids. */
  readonly requestIds?: ReadonlySet<string>;
  /** Only records last updated strictly before this time. */
  readonly unfinishedBefore?: Date;
}

function inScope(record: CertificateRecord, scope: RecoveryScope | undefined): boolean {
  if (scope === undefined) return true;
  const { requestIds, unfinishedBefore } = scope;
  if (requestIds !== undefined && (record.requestId === null || !requestIds.has(record.requestId))) return false;
  return unfinishedBefore === undefined || record.updatedAt.getTime() < unfinishedBefore.getTime();
}

async function stillUnfinished(ctx: AuthorityContext, id: string): Promise<boolean> {
  const status = (await ctx.store.certificates.get(id))?.status;
  return status === 'reserved' || status === 'signing';
}

/**
 * Finishes what a crash left of the issuance cycle (DESIGN.md: "a crash at any step leaves a
 * record, never an unknown certificate"). `keyline serve` runs it at start-up for records abandoned
 * long ago, `keyline recover` when an operator asks; records the cycle of this process is working
 * on are left alone.
 *
 * - `reserved`: the serial was persisted but no TBS. Nothing can have been signed: `failed`.
 * - `signing`: the TBS was persisted and may or may not have been signed before the crash. ECDSA
 *   signatures are randomised, so nothing stored can tell, and the certificate, if it was made,
 *   died with the process (the CA hands a certificate out only after `markValid` commits). Recovery
 *   does not sign it again ("signed once"): the record becomes `failed` and, because it reached
 *   `signing`, its serial is listed as revoked (reason unspecified, at the time of recovery) in
 *   every later CRL and answered `revoked` by OCSP, so even a copy that somehow existed could never
 *   be valid. The requester retries with a new request id (the old one answers
 *   ERR_CA_REQUEST_FAILED).
 *
 * Each record is failed with its audit entry in one transaction. Admins (and the system) only.
 * With a `scope`, only the records it names: records of other processes' cycles in flight are
 * then safe from it (this process's own are always left alone). A record that another process
 * finished between the listing and its turn (its cycle, or a recovery run of its own) is skipped.
 */
export async function recover(ctx: AuthorityContext, actor: Actor, scope?: RecoveryScope): Promise<RecoveryResult> {
  requireAdmin(actor, 'run recovery');
  let failed = 0;
  let revoked = 0;
  for (const record of await ctx.store.certificates.listUnfinished(scope?.caId)) {
    if (ctx.inFlight.has(record.id) || !inScope(record, scope)) continue;
    let done: CertificateRecord;
    try {
      done = await ctx.store.transaction(async (tx) => {
        const out = await tx.certificates.markFailed(record.id, ctx.now());
        await ctx.audit(tx, actor, 'cert.recover', `${record.caId}:${record.serialHex}`, {
          serial: record.serialHex,
          was: record.status,
          profile: record.profile,
          listedAsRevoked: record.status === 'signing',
        });
        return out;
      });
    } catch (error) {
      // Someone else moved it on (the outcome is theirs to report); any other conflict is not ours to hide.
      if (isKeylineError(error, 'ERR_STORE_CONFLICT') && !(await stillUnfinished(ctx, record.id))) continue;
      throw error;
    }
    failed++;
    if (record.status === 'signing') {
      revoked++;
      ctx.emit({ type: 'failed', caId: done.caId, record: done });
    }
  }
  return { completed: 0, failed, revoked };
}
