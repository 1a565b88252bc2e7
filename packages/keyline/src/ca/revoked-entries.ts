import type { CrlEntryInput, CrlReason, OcspCertStatus } from '@keyline/core';
import type { CertificateRecord } from './records.js';
import type { Store } from './store-port.js';

/**
 * What revocation data says about a certificate record, in one place so that CRLs and OCSP
 * always agree:
 * - `valid` → good;
 * - `revoked` → revoked at its time, with its reason;
 * - `failed` after reaching `signing` → revoked at the time it was failed, reason unspecified.
 *   Such a TBS was persisted to be signed and may have been (a crash between signing and
 *   recording, see recovery.ts); the certificate was never handed out, but listing the serial
 *   means that even if a copy existed it could never be valid;
 * - anything else (reserved, failed before signing, in progress, unknown) → not ours to vouch for:
 *   absent from CRLs, `unknown` in OCSP (never `good`).
 */
export function revocationOf(record: CertificateRecord): { at: Date; reason: CrlReason } | undefined {
  if (record.status === 'revoked' && record.revokedAt !== null) {
    return { at: record.revokedAt, reason: record.revocationReason ?? 'unspecified' };
  }
  if (record.status === 'failed' && record.tbsDer !== null) return { at: record.updatedAt, reason: 'unspecified' };
  return undefined;
}

/** The OCSP certStatus of a record (RFC 6960 4.2.1); `undefined` record means the CA never issued it. */
export function ocspStatusOf(record: CertificateRecord | undefined): OcspCertStatus {
  if (record === undefined) return { status: 'unknown' };
  if (record.status === 'valid') return { status: 'good' };
  const revoked = revocationOf(record);
  if (revoked === undefined) return { status: 'unknown' };
  // RFC 5280 5.3.1 leaves out an unspecified reason; OCSP's revocationReason is optional too.
  return revoked.reason === 'unspecified'
    ? { status: 'revoked', revocationTime: revoked.at }
    : { status: 'revoked', revocationTime: revoked.at, reason: revoked.reason };
}

/** Failed records that reached `signing`, paged through the store's search. */
async function maybeSignedFailures(store: Store, caId: string, since: Date | undefined): Promise<CertificateRecord[]> {
  const out: CertificateRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.certificates.search({ caId, status: 'failed' }, { limit: 1000, cursor });
    for (const record of page.items) {
      if (record.tbsDer === null) continue;
      if (since !== undefined && record.updatedAt.getTime() < since.getTime()) continue;
      out.push(record);
    }
    cursor = page.next;
  } while (cursor !== null);
  return out;
}

/** The entries of a CRL of `caId`: every revocation, or those since `since` (a delta CRL). */
export async function crlEntries(store: Store, caId: string, since?: Date): Promise<CrlEntryInput[]> {
  const records = [
    ...(await store.certificates.listRevoked(caId, since)),
    ...(await maybeSignedFailures(store, caId, since)),
  ];
  const entries: CrlEntryInput[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const revoked = revocationOf(record);
    if (revoked === undefined || seen.has(record.serialHex)) continue;
    seen.add(record.serialHex);
    entries.push({ serial: record.serialHex, revocationDate: revoked.at, reason: revoked.reason });
  }
  return entries;
}
