import { createHash, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKeylineError } from '@keyline/core';
import { createKeyProvider } from '../../../src/keys/key-provider.js';
import type { KeySigner } from '../../../src/keys/key-signer.js';
import { createSigningPool, matchSignatures, type SigningPool } from '../../../src/keys/pool/signing-pool.js';
import { staticPassphrase } from '../../../src/keys/secrets/passphrase-source.js';

const pools: SigningPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

function pool(curve: 'P-256' | 'P-384', hash: string, threads: number) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: curve === 'P-256' ? 'prime256v1' : 'secp384r1',
  });
  const p = createSigningPool(privateKey, hash, threads);
  pools.push(p);
  return { pool: p, publicKey };
}

describe('signing pool (keys/pool)', () => {
  it('signs each message once, in order, on every thread; views into larger buffers sign their own bytes', async () => {
    const { pool: p, publicKey } = pool('P-256', 'sha256', 3);
    const slab = randomBytes(64 * 1024);
    // Views of one buffer, as the device template hands out TBSs, and a few separate buffers.
    const messages = [
      ...Array.from({ length: 20 }, (_, i) => slab.subarray(i * 600, i * 600 + 595 - (i % 3))),
      ...Array.from({ length: 5 }, () => new Uint8Array(randomBytes(100))),
    ];
    const signatures = await p.signMany(messages);
    expect(p.threads).toBe(3);
    expect(signatures).toHaveLength(messages.length);
    messages.forEach((m, i) => {
      expect(verify('sha256', m, publicKey, signatures[i]!)).toBe(true);
      // Not the signature of the neighbouring message: the order is kept.
      if (i > 0) expect(verify('sha256', messages[i - 1]!, publicKey, signatures[i]!)).toBe(false);
    });
    expect(await p.signMany([])).toEqual([]);
  });

  it('signs P-384 with SHA-384', async () => {
    const { pool: p, publicKey } = pool('P-384', 'sha384', 1);
    const [signature] = await p.signMany([Uint8Array.of(1, 2, 3)]);
    expect(verify('sha384', Uint8Array.of(1, 2, 3), publicKey, signature!)).toBe(true);
  });

  it('rejects a request the worker cannot sign, and goes on signing the next', async () => {
    const { pool: p, publicKey } = pool('P-256', 'no-such-hash', 1);
    await expect(p.signMany([Uint8Array.of(1)])).rejects.toThrow(/a signing worker failed/);
    const good = createSigningPool(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, 'sha256', 1);
    pools.push(good);
    expect(await good.signMany([Uint8Array.of(1)])).toHaveLength(1);
    expect(publicKey.type).toBe('public');
  });

  it('refuses after close, and refuses bad arguments', async () => {
    const { pool: p } = pool('P-256', 'sha256', 2);
    expect(await p.signMany([Uint8Array.of(9)])).toHaveLength(1);
    await p.close();
    await expect(p.signMany([Uint8Array.of(9)])).rejects.toThrow(/closed/);
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => createSigningPool(key.privateKey, 'sha256', 0)).toThrow(RangeError);
    expect(() => createSigningPool(key.publicKey, 'sha256', 1)).toThrow(TypeError);
  });
});

describe('matching the answer of a worker to the messages sent', () => {
  const digest = (m: Uint8Array) => createHash('sha256').update(m).digest();
  const messages = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
  const sig = (m: Uint8Array) => Uint8Array.of(0x30, m[0]!);
  const answer = (ms: Uint8Array[]) => ({ signatures: ms.map(sig), digests: Buffer.concat(ms.map(digest)) });

  it('keeps the signatures in order when each answers its own message, over several slices', () => {
    expect(matchSignatures(messages, [answer(messages.slice(0, 2)), answer(messages.slice(2))])).toEqual(
      messages.map(sig),
    );
  });

  it('refuses answers for other messages, in another order, or too few or too many', () => {
    const refuse = (answers: ReturnType<typeof answer>[]) =>
      expect(() => matchSignatures(messages, answers)).toThrow(/not of the messages sent/);
    refuse([answer([messages[1]!, messages[0]!, messages[2]!])]);
    refuse([answer([messages[0]!, messages[1]!, Uint8Array.of(9)])]);
    refuse([answer(messages.slice(0, 2))]);
    refuse([answer(messages), answer(messages.slice(0, 1))]);
    refuse([{ signatures: messages.map(sig), digests: Buffer.concat(messages.slice(0, 2).map(digest)) }]);
  });
});

describe('software key signers offer a pool', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyline-pool-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the pool signs with the file key; the same pool for the same thread count; closed with the provider', async () => {
    const provider = createKeyProvider({ dataDir, passphrase: staticPassphrase('pool passphrase'), env: {} });
    const { keyUri } = await provider.generate({ curve: 'P-256', label: 'pooled' });
    const signer = (await provider.open(keyUri)) as KeySigner;
    const p = signer.signingPool!(2);
    expect(signer.signingPool!(2)).toBe(p);
    const message = randomBytes(595);
    const [signature] = await p.signMany([message]);
    const publicKey = { key: Buffer.from(signer.publicKeySpki), format: 'der', type: 'spki' } as const;
    expect(verify('sha256', message, publicKey, signature!)).toBe(true);
    await provider.close();
    await expect(p.signMany([message])).rejects.toThrow(/closed/);
    let code: string | undefined;
    try {
      signer.signingPool!(2);
    } catch (error) {
      if (isKeylineError(error)) code = error.code;
    }
    expect(code).toBe('ERR_KEY_PROVIDER_CLOSED');
  });
});
