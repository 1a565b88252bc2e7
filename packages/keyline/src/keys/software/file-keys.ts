import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CURVES,
  decodePemAll,
  encodeSpki,
  fail,
  isKeylineError,
  softwareSigner,
  type PemBlock,
  type RandomSource,
} from '@keyline/core';
import type { CaCurve } from '../../ca/service-port.js';
import type { KeySigner } from '../key-signer.js';
import type { PassphraseSource } from '../secrets/passphrase-source.js';
import { fileKeyPath, formatFileKeyUri, type FileKeyUri } from '../uri/file-uri.js';
import { ENCRYPTED_PRIVATE_KEY_LABEL, checkEncryptedPrivateKeyInfo, encryptPrivateKeyInfo } from './pkcs8-scrypt.js';
import { writeNewFileAtomic } from './write-new-file.js';
import { createSigningPool, type SigningPool } from '../pool/signing-pool.js';

/** Owner read/write only: the file is encrypted, and still nobody else needs to read it. */
export const KEY_FILE_MODE = 0o600;
const KEY_DIR_MODE = 0o700;
/** A key file is a few hundred octets; anything much larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

export interface FileKeyContext {
  readonly dataDir: string;
  readonly passphrase: PassphraseSource;
  readonly random: RandomSource;
  /** Shortest passphrase (in octets) accepted for a new key. */
  readonly minPassphraseLength: number;
  /** Where the signing pools of opened keys are kept, for the provider to close them. */
  readonly pools?: Set<SigningPool>;
}

/**
 * Generates a key on `curve` with node:crypto and stores it encrypted (scrypt + AES-256-CBC,
 * see pkcs8-scrypt.ts) at the URI's path, mode 0600, written atomically and never over an existing
 * file (ERR_KEY_EXISTS). The clear PKCS#8 exists only in memory and is zeroed after encryption. The
 * file is read back and decrypted before the signer is returned, so a key that cannot be opened
 * again is never used to sign.
 */
export async function generateFileKey(uri: FileKeyUri, curve: CaCurve, context: FileKeyContext): Promise<KeySigner> {
  const path = fileKeyPath(uri, context.dataDir);
  if (existsSync(path)) fail('ERR_KEY_EXISTS', `a file exists at ${path}; Keyline never overwrites a key`);
  const keyUri = formatFileKeyUri(uri.path);
  const passphrase = await context.passphrase({ kind: 'passphrase', purpose: 'create', subject: keyUri });
  try {
    if (passphrase.length < context.minPassphraseLength) {
      fail(
        'ERR_KEY_WEAK_PASSPHRASE',
        `a new key's passphrase needs at least ${context.minPassphraseLength} characters`,
      );
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: CURVES[curve].opensslName });
    const clear = privateKey.export({ format: 'der', type: 'pkcs8' });
    let pem: string;
    try {
      pem = await encryptPrivateKeyInfo(clear, passphrase, context.random);
    } finally {
      clear.fill(0);
    }
    mkdirSync(dirname(path), { recursive: true, mode: KEY_DIR_MODE });
    writeNewFileAtomic(path, pem, KEY_FILE_MODE, context.random);
    const reread = decryptKeyFile(path, passphrase);
    if (!Buffer.from(encodeSpki(reread)).equals(Buffer.from(encodeSpki(privateKey)))) {
      throw new Error(`the key written to ${path} does not read back as the key generated`);
    }
    return fileSigner(privateKey, keyUri, context.pools);
  } finally {
    passphrase.fill(0);
  }
}

/**
 * Opens an encrypted key file. A missing file is ERR_KEY_NOT_FOUND; a file that is not one
 * well-formed encrypted PKCS#8 key — including a key stored in clear, which Keyline refuses — is
 * ERR_KEY_FILE_INVALID; a passphrase that does not decrypt it is ERR_KEY_BAD_PASSPHRASE.
 */
export async function openFileKey(uri: FileKeyUri, context: FileKeyContext): Promise<KeySigner> {
  const path = fileKeyPath(uri, context.dataDir);
  const keyUri = formatFileKeyUri(uri.path);
  readEncryptedKeyInfo(path); // before asking for a passphrase: a wrong path should not prompt
  const passphrase = await context.passphrase({ kind: 'passphrase', purpose: 'open', subject: keyUri });
  try {
    return fileSigner(decryptKeyFile(path, passphrase), keyUri, context.pools);
  } finally {
    passphrase.fill(0);
  }
}

/**
 * Deletes a key file Keyline made and no longer uses. Only a file that is an encrypted PKCS#8 key
 * is deleted (ERR_KEY_FILE_INVALID otherwise), so a mistyped URI cannot remove another file; a
 * file already gone is not an error (a second attempt after a crash finds nothing to do).
 */
export function destroyFileKey(uri: FileKeyUri, dataDir: string): void {
  const path = fileKeyPath(uri, dataDir);
  if (!existsSync(path)) return;
  readEncryptedKeyInfo(path);
  unlinkSync(path);
}

function decryptKeyFile(path: string, passphrase: Buffer): KeyObject {
  const info = readEncryptedKeyInfo(path);
  try {
    return createPrivateKey({ key: Buffer.from(info), format: 'der', type: 'pkcs8', passphrase });
  } catch {
    // The structure was checked first, so OpenSSL failing here means the passphrase (a padding or
    // PrivateKeyInfo check after decryption). The message stays free of detail on purpose.
    return fail('ERR_KEY_BAD_PASSPHRASE');
  }
}

function readEncryptedKeyInfo(path: string): Uint8Array {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) fail('ERR_KEY_FILE_INVALID', `${path} is not a regular file`);
    if (stat.size > MAX_KEY_FILE_BYTES) fail('ERR_KEY_FILE_INVALID', `${path} is too large to be a key`);
    text = readFileSync(path, 'latin1');
  } catch (error) {
    if (isKeylineError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('ERR_KEY_NOT_FOUND', `no key file at ${path}`);
    return fail('ERR_KEY_FILE_INVALID', `${path} cannot be read (${code ?? 'error'})`);
  }
  let blocks: PemBlock[];
  try {
    blocks = decodePemAll(text, 8);
  } catch {
    return fail('ERR_KEY_FILE_INVALID', `${path} is not valid PEM`);
  }
  // "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC 1) and the like are keys in clear.
  if (blocks.some((b) => b.label !== ENCRYPTED_PRIVATE_KEY_LABEL && b.label.endsWith('PRIVATE KEY'))) {
    fail('ERR_KEY_FILE_INVALID', `${path} holds a private key in clear; Keyline only uses encrypted PKCS#8 keys`);
  }
  const encrypted = blocks.filter((b) => b.label === ENCRYPTED_PRIVATE_KEY_LABEL);
  if (encrypted.length !== 1) {
    fail(
      'ERR_KEY_FILE_INVALID',
      `${path} must hold exactly one ENCRYPTED PRIVATE KEY block (it holds ${encrypted.length})`,
    );
  }
  const info = encrypted[0]!.der;
  checkEncryptedPrivateKeyInfo(info);
  return info;
}

function fileSigner(privateKey: KeyObject, keyUri: string, pools: Set<SigningPool> | undefined): KeySigner {
  const inner = softwareSigner(privateKey); // ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY for RSA and others
  const curve = inner.algorithm === 'ecdsa-sha256' ? 'P-256' : inner.algorithm === 'ecdsa-sha384' ? 'P-384' : undefined;
  if (curve === undefined) {
    fail('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY', 'a Keyline CA key is ECDSA on P-256 or P-384');
  }
  const signSync = (data: Uint8Array): Uint8Array => inner.signSync(data);
  // One pool per thread count, made on first use; the same hash as `signSync` (the curve's own).
  const byThreads = new Map<number, SigningPool>();
  const signingPool = (threads: number): SigningPool => {
    let pool = byThreads.get(threads);
    if (pool === undefined) {
      pool = createSigningPool(privateKey, curve === 'P-256' ? 'sha256' : 'sha384', threads);
      byThreads.set(threads, pool);
      pools?.add(pool);
    }
    return pool;
  };
  return Object.freeze({
    keyUri,
    backend: 'file' as const,
    curve,
    algorithm: inner.algorithm,
    publicKeySpki: inner.publicKeySpki,
    sign: signSync,
    signSync,
    signingPool,
  });
}

/**
 * The path, relative to the data directory, of a new key named after `label` in keys/: the label
 * reduced to [a-z0-9._-], with -2, -3, … added while a file of that name exists.
 */
export function defaultKeyPath(dataDir: string, label: string): string {
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 64) || 'key';
  for (let n = 1; ; n++) {
    const relative = `keys/${n === 1 ? slug : `${slug}-${n}`}.pem`;
    if (!existsSync(join(dataDir, relative))) return relative;
  }
}
