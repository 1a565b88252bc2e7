/**
 * The per-chip cryptographic bound of the factory line (issue 4, section 5): what one chip costs in
 * raw node:crypto operations, single thread, with nothing else — the ceiling no line can beat on one
 * core. Per chip:
 *   - one P-256 key generation (the chip's identity key; `generateKeyPairSync`);
 *   - one CA signature over a message as long as a device TBS (`crypto.sign('sha256', …)`);
 *   - one chip signature, ECDSA with the new key over a 32-byte challenge digest;
 *   - `verifies` verifications, each `crypto.verify` of a P-256 ECDSA signature: the line checks the
 *     challenge signature against the new certificate, and the CA core checks every signature it
 *     makes before recording the certificate (bench/factory.ts counts what the line does).
 * The keys are made once, outside the operation, except the chip key, which is the operation's own.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

export interface ChipCryptoOptions {
  /** Length of the device TBS the CA signs. */
  readonly tbsLength: number;
  /** How many ECDSA P-256 verifications the line does per chip. */
  readonly verifies: number;
}

/** One chip's worth of raw crypto, as a benchmark operation. */
export function chipCryptoOperation(options: ChipCryptoOptions): () => void {
  if (!Number.isInteger(options.verifies) || options.verifies < 1) throw new TypeError('verifies must be ≥ 1');
  const caKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const caPublic = createPublicKey(caKey);
  const tbs = randomBytes(options.tbsLength);
  const challenge = randomBytes(32);
  return () => {
    const chip = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const certificateSignature = sign('sha256', tbs, caKey);
    const challengeSignature = sign('sha256', challenge, chip.privateKey);
    let ok = verify('sha256', challenge, chip.publicKey, challengeSignature);
    for (let i = 1; i < options.verifies; i++) ok &&= verify('sha256', tbs, caPublic, certificateSignature);
    if (!ok) throw new Error('a baseline signature does not verify');
  };
}

/** A human description of the baseline for the report. */
export function chipCryptoDescription(options: ChipCryptoOptions): string {
  return (
    `per chip: P-256 generateKeyPairSync + crypto.sign('sha256', ${options.tbsLength}-byte TBS, CA key) + ` +
    `crypto.sign('sha256', 32-byte challenge, chip key) + ${options.verifies} × crypto.verify P-256`
  );
}
