import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CertificateRecord } from '../ca/records.js';
import type { FactoryChipRecord } from '../ca/store-port.js';
import { syncDirectory } from './manifest-output.js';
import type { CheckedOptions } from './options.js';
import { ChipFailure } from './station.js';

/**
 * Retrying quarantined chips (docs/factory.md "Retrying quarantined chips"). What may be retried
 * follows from the chip itself, asked when the retry reaches it, and from the CA's record of its
 * certificate, never from the quarantine's reason:
 *
 * - found unlocked: slot 0 still takes a key, so the chip starts again from a new key (a new attempt,
 *   through the line's resume machinery); its earlier certificate is revoked first if it is not yet;
 * - found locked: its key and certificate slots are fixed. If the CA's record of the certificate the
 *   journal names is still valid, the chip is checked again (challenge and byte-exact rebuild, as a
 *   resumed locked chip) and is done if it passes; if that certificate was revoked (what quarantine
 *   does to every certificate it finds), or the journal names none, it stays quarantined.
 */

/** Whether this run was asked to retry `chip` (a quarantined chip of the batch). */
export function wantsRetry(retry: CheckedOptions['retry'], chip: FactoryChipRecord): boolean {
  if (chip.state !== 'quarantined' || retry === 'none') return false;
  return retry === 'all' || retry.has(chip.chipSerial);
}

/**
 * Whether a quarantined chip found locked may be checked again: throws the refusal (a ChipFailure
 * with ERR_FACTORY_RETRY_LOCKED or ERR_FACTORY_RETRY_REVOKED, which the report lists) unless its
 * certificate is the CA's, valid, and not one the line decided to revoke.
 */
export function checkLockedRetry(
  chip: FactoryChipRecord,
  record: CertificateRecord | undefined,
  revokedByLine: boolean,
): void {
  if (chip.certSerial === null || chip.publicKey === null) {
    throw new ChipFailure(
      'ERR_FACTORY_RETRY_LOCKED',
      'the chip is locked and no certificate of this batch was written to it: a locked chip takes no new key',
    );
  }
  if (record === undefined || record.der === null) {
    throw new ChipFailure(
      'ERR_FACTORY_RETRY_LOCKED',
      `the chip is locked and the CA has no record of its certificate ${chip.certSerial}`,
    );
  }
  if (record.status !== 'valid' || revokedByLine) {
    const why = record.revocationReason !== null ? ` (${record.revocationReason})` : '';
    throw new ChipFailure(
      'ERR_FACTORY_RETRY_REVOKED',
      `the chip is locked and its certificate ${chip.certSerial} was revoked${why}: a locked chip takes no new key`,
    );
  }
}

/** The audit record of a chip taken out of quarantine (factory.chip.retry). */
export function retryAuditDetails(
  batchId: string,
  chip: FactoryChipRecord,
  how: 'new-key' | 'recheck',
): Record<string, unknown> {
  return {
    batch: batchId,
    chip: chip.chipSerial,
    how,
    previousAttempt: chip.attempt,
    certSerial: chip.certSerial,
    quarantineCode: chip.code,
    quarantineReason: chip.reason,
  };
}

/**
 * Removes the batch's manifest before a retry takes its first chip out of quarantine: a retried chip
 * may get a new valid certificate the old manifest lacks, and until the run writes the new manifest
 * at its end, a crash must not leave a manifest that verifies but misses a certificate (the line's
 * rule: every certificate it issued is in the manifest or revoked once the batch is complete).
 */
export async function withdrawManifest(path: string | null): Promise<void> {
  if (path === null) return;
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await syncDirectory(dirname(path)).catch(() => undefined);
}
