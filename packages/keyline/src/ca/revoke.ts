import { CRL_REASONS, fail, isKeylineError, type CrlReason } from '@keyline/core';
import { requireCaWrite } from './authorise.js';
import type { AuthorityContext } from './context.js';
import type { CertificateRecord } from './records.js';
import { parseSerialInput } from './serial.js';
import type { Actor } from './service-port.js';

/**
 * Reasons an operator may give (RFC 5280 5.3.1). `removeFromCRL` belongs to delta CRLs only and
 * `certificateHold` would need un-revocation, which Keyline does not do (revocation is final, as
 * the CA/Browser Forum requires of TLS CAs), so both are refused.
 */
export const REVOCATION_REASONS: readonly CrlReason[] = (Object.keys(CRL_REASONS) as CrlReason[]).filter(
  (r) => r !== 'removeFromCRL' && r !== 'certificateHold',
);

export function checkReason(reason: unknown): CrlReason {
  if (typeof reason !== 'string' || !(REVOCATION_REASONS as readonly string[]).includes(reason)) {
    fail('ERR_CA_BAD_INPUT', `the reason must be one of ${REVOCATION_REASONS.join(', ')} (RFC 5280 5.3.1)`);
  }
  return reason as CrlReason;
}

/**
 * Revokes a valid certificate of a CA (admins, or operators of the CA's manufacturer), with its
 * audit entry in the same transaction. A revoked CA certificate also retires the CA it certifies,
 * so that CA issues nothing more (it keeps answering for what it issued). Listeners (the OCSP cache,
 * the CRL refresher) hear of it after the commit.
 */
export async function revokeCertificate(
  ctx: AuthorityContext,
  input: { readonly caId: string; readonly serialHex: string; readonly reason: CrlReason },
  actor: Actor,
): Promise<CertificateRecord> {
  const reason = checkReason(input.reason);
  const serialHex = parseSerialInput(input.serialHex);
  const ca = await ctx.ca(input.caId);
  requireCaWrite(actor, ca, 'revoke certificates');
  const record = await ctx.store.certificates.getBySerial(ca.id, serialHex);
  if (record === undefined || (record.status !== 'valid' && record.status !== 'revoked')) {
    fail('ERR_CA_CERTIFICATE_NOT_FOUND', `CA ${ca.id} issued no certificate with serial ${serialHex}`);
  }
  if (record.status === 'revoked') fail('ERR_CA_ALREADY_REVOKED', undefined, { revokedAt: record.revokedAt });
  const revokedAt = ctx.now();
  let revoked: CertificateRecord;
  try {
    revoked = await ctx.store.transaction(async (tx) => {
      const out = await tx.certificates.revoke(record.id, reason, revokedAt);
      await ctx.audit(tx, actor, 'cert.revoke', `${ca.id}:${serialHex}`, {
        serial: serialHex,
        reason,
        subject: record.subject,
        profile: record.profile,
      });
      if (record.profile === 'manufacturer-ca' || record.profile === 'issuing-ca') {
        for (const child of await tx.cas.list()) {
          if (child.parentId === ca.id && child.fingerprint === record.fingerprint && child.status === 'active') {
            await tx.cas.setStatus(child.id, 'retired');
            await ctx.audit(tx, actor, 'ca.retire', child.id, {
              reason: 'its certificate was revoked',
              serial: serialHex,
            });
          }
        }
      }
      return out;
    });
  } catch (error) {
    // Two revocations raced: the store's state check decided.
    if (isKeylineError(error, 'ERR_STORE_CONFLICT')) fail('ERR_CA_ALREADY_REVOKED');
    throw error;
  }
  ctx.emit({ type: 'revoked', caId: ca.id, record: revoked });
  return revoked;
}
