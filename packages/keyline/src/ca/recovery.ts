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
 * Which unfinished records one recovery run may touch: all (start-up, before serving), or one CA's,
 * optionally only those issued under the given request ids (a factory batch resuming its own
 * chips: another line or the server may have cycles of their own in flight on the same store).
 */
export interface RecoveryScope {
  readonly caId: string;
  readonly requestIds?: ReadonlySet<string>;
}

/**
 * Finishes what a crash left of the issuance cycle (DESIGN.md: "a crash at any step leaves a
 * record, never an unknown certificate"). Run at start-up, before serving; records the cycle of
 * this process is working on are left alone.
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
 * then safe from it (this process's own are always left alone).
 */
export async function recover(ctx: AuthorityContext, actor: Actor, scope?: RecoveryScope): Promise<RecoveryResult> {
  requireAdmin(actor, 'run recovery');
  let failed = 0;
  let revoked = 0;
  for (const record of await ctx.store.certificates.listUnfinished(scope?.caId)) {
    if (ctx.inFlight.has(record.id)) continue;
    const requestIds = scope?.requestIds;
    if (requestIds !== undefined && (record.requestId === null || !requestIds.has(record.requestId))) continue;
    const done: CertificateRecord = await ctx.store.transaction(async (tx) => {
      const out = await tx.certificates.markFailed(record.id, ctx.now());
      await ctx.audit(tx, actor, 'cert.recover', `${record.caId}:${record.serialHex}`, {
        serial: record.serialHex,
        was: record.status,
        profile: record.profile,
        listedAsRevoked: record.status === 'signing',
      });
      return out;
    });
    failed++;
    if (record.status === 'signing') {
      revoked++;
      ctx.emit({ type: 'failed', caId: done.caId, record: done });
    }
  }
  return { completed: 0, failed, revoked };
}
