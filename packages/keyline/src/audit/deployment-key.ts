import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePem, encodePem, fail, type Clock, type Signer } from '@keyline/core';
import { appendAudit, isCheckpointDue } from './append.js';
import { writeCheckpoint } from './checkpoint.js';
import type { AuditAppender } from '../ca/audit-port.js';

/**
 * The audit signing key of a deployment: made by `keyline init` as an encrypted software key in
 * the data directory (same passphrase as the CA keys), it signs the audit log's checkpoints. Its
 * public key is also written in clear next to it, so that `keyline audit verify` can check the
 * checkpoint signatures without any passphrase (an auditor may keep a copy elsewhere).
 */

/** Key URI of the audit key, relative to the data directory. */
export const AUDIT_KEY_URI = 'file:keys/audit.pem';

/** File name, in the data directory, of the audit public key (PEM SubjectPublicKeyInfo). */
export const AUDIT_PUBLIC_KEY_FILE = 'audit-key.pub.pem';

export function auditPublicKeyPath(dataDir: string): string {
  return join(dataDir, AUDIT_PUBLIC_KEY_FILE);
}

export function auditPublicKeyPem(spki: Uint8Array): string {
  return encodePem('PUBLIC KEY', spki);
}

/**
 * The audit public key (DER SubjectPublicKeyInfo) kept in the data directory, or undefined when
 * there is none (a data directory made before the audit key existed, or a copy without it).
 */
export function readAuditPublicKey(dataDir: string): Uint8Array | undefined {
  let text: string;
  try {
    text = readFileSync(auditPublicKeyPath(dataDir), 'latin1');
  } catch {
    return undefined;
  }
  const [spki] = decodePem(text, 'PUBLIC KEY');
  if (spki === undefined) fail('ERR_PEM_MALFORMED', `${auditPublicKeyPath(dataDir)} holds no PUBLIC KEY block`);
  return spki;
}

/**
 * The audit appender a deployment hands to the CA service (the CLI's, the demo's): each entry goes through audit/'s
 * `appendAudit` in the caller's transaction, and when a checkpoint is due (every 100 entries) a
 * checkpoint signed by the audit key follows in the same transaction. The audit key is opened
 * only then, so most commands never ask for it.
 */
export function checkpointingAuditAppender(auditSigner: () => Promise<Signer>): AuditAppender {
  return async (store, entry, clock: Clock) => {
    const appended = await appendAudit(store, entry, clock);
    if (isCheckpointDue(appended)) await writeCheckpoint(store, await auditSigner(), clock, { actor: entry.actor });
    return appended;
  };
}
