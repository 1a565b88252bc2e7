import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePem, isKeylineError, type ErrorCode } from '@keyline/core';
import { createKeyProvider, type ClosableKeyProvider } from '../../../src/keys/key-provider.js';
import { staticPassphrase } from '../../../src/keys/secrets/passphrase-source.js';
import { defaultKeyPath } from '../../../src/keys/software/file-keys.js';

const PASSPHRASE = 'correct horse battery staple';
let dataDir: string;
let provider: ClosableKeyProvider;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyline-keys-'));
  provider = createKeyProvider({ dataDir, passphrase: staticPassphrase(PASSPHRASE) });
});
afterAll(async () => {
  await provider.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function code(promise: Promise<unknown>): Promise<ErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isKeylineError(error)) return error.code;
    throw error;
  }
  throw new Error('resolved');
}

function openssl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8', input });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function checkSignature(spki: Uint8Array, data: Uint8Array, signature: Uint8Array, hash: string): boolean {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  return verify(hash, data, key, signature);
}

describe('software keys (file:)', () => {
  it('generates a P-256 key in the data directory, encrypted, mode 0600, and signs with it', async () => {
    const { keyUri, signer } = await provider.generate({ curve: 'P-256', label: 'Root CA' });
    expect(keyUri).toBe('file:keys/root-ca.pem');
    expect(signer).toMatchObject({ keyUri, backend: 'file', curve: 'P-256', algorithm: 'ecdsa-sha256' });
    const path = join(dataDir, 'keys/root-ca.pem');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('BEGIN PRIVATE KEY');
    expect(text).not.toContain('BEGIN EC PRIVATE KEY');
    expect(text).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(spawnSync('grep', ['-q', 'BEGIN PRIVATE KEY', path]).status).toBe(1);
    expect(spawnSync('grep', ['-q', 'BEGIN ENCRYPTED PRIVATE KEY', path]).status).toBe(0);
    // No temporary file left next to it.
    expect(readdirSync(join(dataDir, 'keys'))).toEqual(['root-ca.pem']);

    const tbs = new TextEncoder().encode('to be signed');
    expect(signer.signSync).toBeTypeOf('function');
    expect(checkSignature(signer.publicKeySpki, tbs, signer.signSync!(tbs), 'sha256')).toBe(true);
    expect(checkSignature(signer.publicKeySpki, tbs, await signer.sign(tbs), 'sha256')).toBe(true);
    expect(Object.keys(signer)).not.toContain('privateKey');
  });

  it('writes PBES2 with scrypt (N=16384, r=8, p=1) and AES-256-CBC, which OpenSSL decrypts to the same key', async () => {
    const { keyUri, signer } = await provider.generate({ curve: 'P-384', label: 'issuing' });
    const path = join(dataDir, keyUri.slice('file:'.length));
    const parsed = openssl(['asn1parse', '-in', path]);
    expect(parsed.status).toBe(0);
    expect(parsed.stdout).toMatch(/:PBES2/);
    expect(parsed.stdout).toMatch(/:scrypt/);
    expect(parsed.stdout).toMatch(/INTEGER\s+:4000\b/); // N = 16384
    expect(parsed.stdout).toMatch(/:aes-256-cbc/);
    const passFile = join(dataDir, 'pass.txt');
    writeFileSync(passFile, PASSPHRASE);
    const pub = openssl([
      'pkey',
      '-in',
      path,
      '-passin',
      `file:${passFile}`,
      '-pubout',
      '-outform',
      'DER',
      '-out',
      `${path}.pub`,
    ]);
    expect(pub.stderr).toBe('');
    expect(Buffer.compare(readFileSync(`${path}.pub`), Buffer.from(signer.publicKeySpki))).toBe(0);
    expect(signer).toMatchObject({ curve: 'P-384', algorithm: 'ecdsa-sha384' });
    const wrong = openssl(['pkey', '-in', path, '-passin', 'pass:not the passphrase', '-noout']);
    expect(wrong.status).not.toBe(0);
  });

  it('opens a key it made: same public key, signatures verify', async () => {
    const { keyUri, signer } = await provider.generate({ curve: 'P-256', label: 'reopen' });
    const other = createKeyProvider({ dataDir, passphrase: staticPassphrase(PASSPHRASE) });
    const opened = await other.open(keyUri);
    expect(Buffer.compare(Buffer.from(opened.publicKeySpki), Buffer.from(signer.publicKeySpki))).toBe(0);
    const tbs = new Uint8Array([1, 2, 3]);
    expect(checkSignature(signer.publicKeySpki, tbs, opened.signSync!(tbs), 'sha256')).toBe(true);
    // An absolute URI to the same file opens the same key.
    const absolute = await other.open(`file://${join(dataDir, 'keys/reopen.pem')}`);
    expect(absolute.keyUri).toBe(`file:${join(dataDir, 'keys/reopen.pem')}`);
    expect(Buffer.compare(Buffer.from(absolute.publicKeySpki), Buffer.from(signer.publicKeySpki))).toBe(0);
    await other.close();
  });

  it('a wrong passphrase is ERR_KEY_BAD_PASSPHRASE; a missing key is ERR_KEY_NOT_FOUND', async () => {
    await provider.generate({ curve: 'P-256', label: 'guarded' });
    const wrong = createKeyProvider({ dataDir, passphrase: staticPassphrase('not the passphrase') });
    for (let i = 0; i < 5; i++) expect(await code(wrong.open('file:keys/guarded.pem'))).toBe('ERR_KEY_BAD_PASSPHRASE');
    expect(await code(provider.open('file:keys/absent.pem'))).toBe('ERR_KEY_NOT_FOUND');
    expect(await code(provider.open('file:/nonexistent-dir/k.pem'))).toBe('ERR_KEY_NOT_FOUND');
    await wrong.close();
  });

  it('asks for no passphrase when the file is missing or unusable', async () => {
    let asked = 0;
    const counting = createKeyProvider({
      dataDir,
      passphrase: () => {
        asked++;
        return Promise.resolve(Buffer.from(PASSPHRASE));
      },
    });
    expect(await code(counting.open('file:keys/absent.pem'))).toBe('ERR_KEY_NOT_FOUND');
    writeFileSync(join(dataDir, 'junk.pem'), 'not a key');
    expect(await code(counting.open('file:junk.pem'))).toBe('ERR_KEY_FILE_INVALID');
    expect(asked).toBe(0);
    await counting.close();
  });

  it('refuses a key stored in clear, a legacy or malformed file, and a directory', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dataDir, 'clear.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dataDir, 'sec1.pem'), privateKey.export({ format: 'pem', type: 'sec1' }));
    writeFileSync(
      join(dataDir, 'legacy.pem'),
      privateKey.export({ format: 'pem', type: 'sec1', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }),
    );
    const good = readFileSync(join(dataDir, 'keys/root-ca.pem'), 'utf8');
    const der = decodePem(good, 'ENCRYPTED PRIVATE KEY')[0]!;
    const pem = (bytes: Uint8Array): string =>
      `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${Buffer.from(bytes).toString('base64')}\n-----END ENCRYPTED PRIVATE KEY-----\n`;
    writeFileSync(join(dataDir, 'trailing.pem'), pem(Uint8Array.from([...der, 0])));
    writeFileSync(join(dataDir, 'truncated.pem'), pem(der.subarray(0, der.length - 10)));
    writeFileSync(join(dataDir, 'two.pem'), good + good);
    mkdirSync(join(dataDir, 'adir.pem'));
    for (const name of ['clear', 'sec1', 'legacy', 'trailing', 'truncated', 'two', 'adir']) {
      expect([name, await code(provider.open(`file:${name}.pem`))]).toEqual([name, 'ERR_KEY_FILE_INVALID']);
    }
  });

  it('a ciphertext changed in the last block fails as a wrong passphrase would, never as a crash', async () => {
    const good = readFileSync(join(dataDir, 'keys/root-ca.pem'), 'utf8');
    const der = Buffer.from(decodePem(good, 'ENCRYPTED PRIVATE KEY')[0]!);
    der.writeUInt8(der.readUInt8(der.length - 1) ^ 0x01, der.length - 1);
    writeFileSync(
      join(dataDir, 'flipped.pem'),
      `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${der.toString('base64')}\n-----END ENCRYPTED PRIVATE KEY-----\n`,
    );
    expect(await code(provider.open('file:flipped.pem'))).toBe('ERR_KEY_BAD_PASSPHRASE');
  });

  it('opens encrypted PKCS#8 written by Node (PBKDF2) and by OpenSSL (scrypt)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    writeFileSync(
      join(dataDir, 'node.pem'),
      privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }),
    );
    const fromNode = await provider.open('file:node.pem');
    expect(fromNode.curve).toBe('P-384');
    writeFileSync(join(dataDir, 'clear-in.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const made = openssl([
      'pkcs8',
      '-topk8',
      '-scrypt',
      '-in',
      join(dataDir, 'clear-in.pem'),
      '-passout',
      `pass:${PASSPHRASE}`,
      '-out',
      join(dataDir, 'openssl.pem'),
    ]);
    expect(made.status).toBe(0);
    const fromOpenssl = await provider.open('file:openssl.pem');
    expect(Buffer.compare(Buffer.from(fromOpenssl.publicKeySpki), Buffer.from(fromNode.publicKeySpki))).toBe(0);
  });

  it('refuses keys Keyline does not sign with', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    writeFileSync(
      join(dataDir, 'p521.pem'),
      privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }),
    );
    expect(await code(provider.open('file:p521.pem'))).toBe('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    writeFileSync(
      join(dataDir, 'rsa.pem'),
      rsa.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }),
    );
    expect(await code(provider.open('file:rsa.pem'))).toBe('ERR_CRYPTO_UNSUPPORTED_SIGNING_KEY');
  });

  it('never overwrites a key, and leaves the existing file untouched', async () => {
    const { keyUri } = await provider.generate({ curve: 'P-256', keyUri: 'file:explicit/ca.pem', label: 'x' });
    expect(keyUri).toBe('file:explicit/ca.pem');
    const before = readFileSync(join(dataDir, 'explicit/ca.pem'));
    expect(await code(provider.generate({ curve: 'P-256', keyUri: 'file:explicit/ca.pem', label: 'x' }))).toBe(
      'ERR_KEY_EXISTS',
    );
    expect(Buffer.compare(readFileSync(join(dataDir, 'explicit/ca.pem')), before)).toBe(0);
    // Without a URI, a second key with the same label gets its own file.
    const second = await provider.generate({ curve: 'P-256', label: 'Root CA' });
    expect(second.keyUri).toBe('file:keys/root-ca-2.pem');
  });

  it('refuses a short passphrase for a new key, and a missing one', async () => {
    const weak = createKeyProvider({ dataDir, passphrase: staticPassphrase('short') });
    expect(await code(weak.generate({ curve: 'P-256', label: 'weak' }))).toBe('ERR_KEY_WEAK_PASSPHRASE');
    expect(readdirSync(join(dataDir, 'keys'))).not.toContain('weak.pem');
    const none = createKeyProvider({
      dataDir,
      passphrase: () => Promise.reject(new Error('unreachable')),
    });
    await expect(none.generate({ curve: 'P-256', label: 'none' })).rejects.toThrow('unreachable');
    expect(readdirSync(join(dataDir, 'keys'))).not.toContain('none.pem');
  });

  it('zeroes the passphrase octets it was given', async () => {
    const handed: Buffer[] = [];
    const tracking = createKeyProvider({
      dataDir,
      passphrase: () => {
        const b = Buffer.from(PASSPHRASE);
        handed.push(b);
        return Promise.resolve(b);
      },
    });
    await tracking.generate({ curve: 'P-256', label: 'zeroed' });
    await tracking.open('file:keys/zeroed.pem');
    expect(handed).toHaveLength(2);
    for (const b of handed) expect(b.every((x) => x === 0)).toBe(true);
  });

  it('a closed provider refuses to open, generate or sign', async () => {
    const p = createKeyProvider({ dataDir, passphrase: staticPassphrase(PASSPHRASE) });
    const signer = await p.open('file:keys/root-ca.pem');
    await p.close();
    await p.close();
    expect(() => signer.signSync!(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_PROVIDER_CLOSED' }),
    );
    expect(await code(p.open('file:keys/root-ca.pem'))).toBe('ERR_KEY_PROVIDER_CLOSED');
    expect(await code(p.generate({ curve: 'P-256', label: 'late' }))).toBe('ERR_KEY_PROVIDER_CLOSED');
  });

  it('a key file it cannot read is ERR_KEY_FILE_INVALID', async () => {
    if (process.getuid?.() === 0) return; // root reads any file
    const path = join(dataDir, 'unreadable.pem');
    writeFileSync(path, readFileSync(join(dataDir, 'keys/root-ca.pem')));
    chmodSync(path, 0);
    expect(await code(provider.open('file:unreadable.pem'))).toBe('ERR_KEY_FILE_INVALID');
  });

  it('destroy deletes a key file it made, again finds nothing to do, and deletes nothing but a key', async () => {
    const { keyUri } = await provider.generate({ curve: 'P-256', label: 'superseded ocsp' });
    const path = join(dataDir, 'keys/superseded-ocsp.pem');
    expect(statSync(path).isFile()).toBe(true);
    await provider.destroy(keyUri);
    expect(() => statSync(path)).toThrow();
    expect(await code(provider.open(keyUri))).toBe('ERR_KEY_NOT_FOUND');
    await provider.destroy(keyUri);
    // A URI that names a file which is not an encrypted key leaves it in place.
    writeFileSync(join(dataDir, 'notes.txt'), 'not a key');
    expect(await code(provider.destroy('file:notes.txt'))).toBe('ERR_KEY_FILE_INVALID');
    expect(readFileSync(join(dataDir, 'notes.txt'), 'utf8')).toBe('not a key');
  });

  it('the decrypted key equals what OpenSSL reads from the file', async () => {
    const path = join(dataDir, 'keys/root-ca.pem');
    const key = createPrivateKey({ key: readFileSync(path), format: 'pem', passphrase: PASSPHRASE });
    const signer = await provider.open('file:keys/root-ca.pem');
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
    expect(Buffer.compare(spki, Buffer.from(signer.publicKeySpki))).toBe(0);
  });
});

describe('defaultKeyPath', () => {
  it('reduces a label to a file name and avoids existing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyline-keypath-'));
    try {
      expect(defaultKeyPath(dir, 'Acme Manufacturer CA / 2025')).toBe('keys/acme-manufacturer-ca-2025.pem');
      expect(defaultKeyPath(dir, '../../etc/passwd')).toBe('keys/etc-passwd.pem');
      expect(defaultKeyPath(dir, '***')).toBe('keys/key.pem');
      mkdirSync(join(dir, 'keys'));
      writeFileSync(join(dir, 'keys/root.pem'), '');
      writeFileSync(join(dir, 'keys/root-2.pem'), '');
      expect(defaultKeyPath(dir, 'root')).toBe('keys/root-3.pem');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
