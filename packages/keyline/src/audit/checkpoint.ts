import { createHash } from 'node:crypto';
import {
  checkSignature,
  parsePublicKeyInfo,
  signatureAlgorithmByName,
  type Clock,
  type PublicKeyInfo,
  type Signer,
  type SignerAlgorithm,
} from '@keyline/core';
import type { AuditEntry } from '../ca/records.js';
import type { AuditStore } from './store.js';
import { appendEntry } from './append-entry.js';
import { canonicalJson } from './canonical.js';
import { GENESIS_HASH } from './hash.js';

/** The action of a checkpoint entry. No other entry may use it. */
export const CHECKPOINT_ACTION = 'audit.checkpoint';

/** The target of every checkpoint entry: the log itself. */
export const CHECKPOINT_TARGET = 'audit';

/** Binds a checkpoint signature to this use and version of the format (domain separation). */
export const CHECKPOINT_PURPOSE = 'keyline-audit-checkpoint/1';

const SIGNER_ALGORITHMS: readonly SignerAlgorithm[] = ['ecdsa-sha256', 'ecdsa-sha384', 'ecdsa-sha512', 'ed25519'];

/** The details of a checkpoint entry. */
export interface CheckpointDetails {
  /** The seq of the entry the checkpoint covers: the one just before it (0 for an empty log). */
  readonly seq: number;
  /** That entry's hash (64 zeros for an empty log). */
  readonly hash: string;
  readonly algorithm: SignerAlgorithm;
  /** `auditKeyId` of the key that signed: SHA-256 of its DER SubjectPublicKeyInfo, lower-case hex. */
  readonly keyId: string;
  /** The signature over `checkpointMessage`, base64 (DER ECDSA-Sig-Value, or Ed25519's 64 octets). */
  readonly signature: string;
}

/** The id of an audit key: SHA-256 of its DER SubjectPublicKeyInfo, lower-case hex. */
export function auditKeyId(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

/**
 * The bytes a checkpoint signs: the UTF-8 RFC 8785 canonical JSON of
 * `{"at": <the checkpoint entry's time, ISO 8601>, "hash": <covered hash>, "purpose":
 * "keyline-audit-checkpoint/1", "seq": <covered seq>}`. Signing the covered entry's hash signs the
 * whole chain up to it (each hash commits to the one before).
 */
export function checkpointMessage(covered: { readonly seq: number; readonly hash: string }, at: Date): Buffer {
  return Buffer.from(
    canonicalJson({ at: at.toISOString(), hash: covered.hash, purpose: CHECKPOINT_PURPOSE, seq: covered.seq }),
    'utf8',
  );
}

export interface WriteCheckpointOptions {
  /** Recorded as the entry's actor; default `system`. */
  readonly actor?: string;
}

/**
 * Appends a checkpoint: an `audit.checkpoint` entry whose details carry a signature, by the audit
 * key, over the seq and hash of the entry before it. Call it inside the same store transaction as
 * other appends (or alone); a concurrent append makes the store refuse it (ERR_STORE_CONFLICT).
 */
export async function writeCheckpoint(
  store: AuditStore,
  signer: Signer,
  clock: Clock,
  options: WriteCheckpointOptions = {},
): Promise<AuditEntry> {
  const at = new Date(clock.now().getTime());
  if (Number.isNaN(at.getTime())) throw new TypeError('the clock gave an invalid Date');
  const last = await store.audit.last();
  const covered = { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH };
  const signature = await signer.sign(checkpointMessage(covered, at));
  const details: CheckpointDetails = {
    seq: covered.seq,
    hash: covered.hash,
    algorithm: signer.algorithm,
    keyId: auditKeyId(signer.publicKeySpki),
    signature: Buffer.from(signature).toString('base64'),
  };
  return appendEntry(
    store.audit,
    { actor: options.actor ?? 'system', action: CHECKPOINT_ACTION, target: CHECKPOINT_TARGET, details: { ...details } },
    at,
    last,
  );
}

/**
 * Reads the details of a stored checkpoint entry, or says what is wrong with them. Only the
 * members of CheckpointDetails are allowed, each of its type.
 */
export function readCheckpointDetails(
  details: Readonly<Record<string, unknown>>,
): { readonly ok: true; readonly details: CheckpointDetails } | { readonly ok: false; readonly reason: string } {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) {
    return { ok: false, reason: 'its details are not an object' };
  }
  const { seq, hash, algorithm, keyId, signature, ...rest } = details;
  const extra = Object.keys(rest);
  if (extra.length > 0) return { ok: false, reason: `its details carry unexpected members (${extra.join(', ')})` };
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    return { ok: false, reason: 'its covered seq is missing or not a whole number' };
  }
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash))
    return { ok: false, reason: 'its covered hash is not 64 hex digits' };
  if (typeof algorithm !== 'string' || !(SIGNER_ALGORITHMS as readonly string[]).includes(algorithm)) {
    return { ok: false, reason: 'its signature algorithm is not one Keyline signs with' };
  }
  if (typeof keyId !== 'string' || !/^[0-9a-f]{64}$/.test(keyId))
    return { ok: false, reason: 'its key id is not 64 hex digits' };
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature) || signature.length % 4 !== 0) {
    return { ok: false, reason: 'its signature is not base64' };
  }
  return { ok: true, details: { seq, hash, algorithm: algorithm as SignerAlgorithm, keyId, signature } };
}

/** Audit public keys by key id, decoded once. */
export type AuditKeyRing = ReadonlyMap<string, PublicKeyInfo>;

/**
 * Decodes the audit public keys a verifier trusts (DER SubjectPublicKeyInfo each). A key that
 * fails strict decoding throws the core's KeylineError for it.
 */
export function auditKeyRing(spkis: readonly Uint8Array[]): AuditKeyRing {
  const ring = new Map<string, PublicKeyInfo>();
  for (const spki of spkis) ring.set(auditKeyId(spki), parsePublicKeyInfo(spki, { importKey: true }));
  return ring;
}

/**
 * Checks a checkpoint entry against the entry before it (`previous`: seq 0 and 64 zeros for none)
 * and, when `keys` is given, its signature by one of those keys. Returns the reason it is bad, or
 * undefined when it is good.
 */
export function checkpointProblem(
  entry: AuditEntry,
  previous: { readonly seq: number; readonly hash: string },
  keys: AuditKeyRing | undefined,
): string | undefined {
  const read = readCheckpointDetails(entry.details);
  if (!read.ok) return read.reason;
  const { details } = read;
  if (details.seq !== previous.seq) return `it covers entry ${details.seq} but follows entry ${previous.seq}`;
  if (details.hash !== previous.hash) return `it covers a different entry ${details.seq} than the one before it`;
  if (keys === undefined) return undefined;
  const key = keys.get(details.keyId);
  if (key === undefined) return `it is signed by key ${details.keyId.slice(0, 16)}…, not by the audit key given`;
  const check = checkSignature({
    algorithm: signatureAlgorithmByName(details.algorithm),
    publicKey: key,
    data: checkpointMessage(previous, entry.at),
    signature: Buffer.from(details.signature, 'base64'),
  });
  return check.ok ? undefined : `its signature does not verify with the audit key (${check.message})`;
}
