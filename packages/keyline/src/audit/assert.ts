import { KeylineError } from '@keyline/core';
import type { AuditStore } from './store.js';
import { verifyAudit, type AuditIntact, type VerifyAuditOptions } from './verify.js';

/**
 * `verifyAudit` for callers that must not go on over a broken log (a server starting up, a
 * ceremony): returns the intact summary or throws ERR_AUDIT_BROKEN with the first bad entry's
 * seq and problem in `detail`.
 */
export async function assertAuditIntact(store: AuditStore, options: VerifyAuditOptions = {}): Promise<AuditIntact> {
  const result = await verifyAudit(store, options);
  if (!result.ok) {
    throw new KeylineError('ERR_AUDIT_BROKEN', `the audit log is not intact: ${result.message}`, {
      seq: result.seq,
      problem: result.problem,
    });
  }
  return result;
}
