import { createECDH, createHash, generateKeyPairSync, sign as nodeSign, verify } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ecdsaSignatureFromRaw, seededRandom, systemRandom } from '@keyline/core';
import {
  generateScalar,
  isValidScalar,
  P256_ORDER,
  publicKeyOf,
  sharedSecret,
  signDigest,
} from '../../src/emulator/p256.js';
import { publicKeyObject } from '../helpers.js';

const hex32 = (n: bigint): Uint8Array => new Uint8Array(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));

describe('P-256 in the emulator', () => {
  it('knows which scalars are keys: 0 < d < n', () => {
    expect(isValidScalar(hex32(0n))).toBe(false);
    expect(isValidScalar(hex32(1n))).toBe(true);
    expect(isValidScalar(hex32(P256_ORDER - 1n))).toBe(true);
    expect(isValidScalar(hex32(P256_ORDER))).toBe(false);
    expect(isValidScalar(new Uint8Array(31).fill(1))).toBe(false);
  });

  it('computes 1·G as the curve base point (FIPS 186-4 D.1.2.3)', () => {
    const g = Buffer.from(publicKeyOf(hex32(1n))).toString('hex');
    expect(g).toBe(
      '04' +
        '6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296' +
        '4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5',
    );
  });

  it('makes signatures of bare digests that node:crypto and OpenSSL verify', () => {
    for (let i = 0; i < 50; i++) {
      const d = generateScalar(systemRandom);
      const message = Buffer.from(`message ${i}`);
      const digest = new Uint8Array(createHash('sha256').update(message).digest());
      const signature = signDigest(d, digest, systemRandom);
      const key = publicKeyObject(publicKeyOf(d));
      expect(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      const tampered = new Uint8Array(digest);
      tampered[0] = tampered[0]! ^ 1;
      expect(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signDigest(d, tampered, systemRandom))).toBe(
        false,
      );
    }
  });

  it('verifies with the openssl command line as an independent peer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyline-se-openssl-'));
    try {
      const d = generateScalar(seededRandom(7));
      const message = Buffer.from('openssl peer');
      const digest = new Uint8Array(createHash('sha256').update(message).digest());
      const der = ecdsaSignatureFromRaw(signDigest(d, digest, systemRandom));
      writeFileSync(join(dir, 'pub.pem'), publicKeyObject(publicKeyOf(d)).export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'msg'), message);
      writeFileSync(join(dir, 'sig'), der);
      const out = execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        '-signature',
        join(dir, 'sig'),
        join(dir, 'msg'),
      ]);
      expect(out.toString()).toMatch(/Verified OK/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('verifies node:crypto signatures made with the same key the same way (the scalar is the key)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const d = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
    const point = publicKeyOf(d);
    expect(Buffer.from(point.subarray(1, 33)).toString('base64url')).toBe(jwk.x);
    const message = Buffer.from('same key');
    const theirs = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const digest = new Uint8Array(createHash('sha256').update(message).digest());
    const ours = signDigest(d, digest, systemRandom);
    for (const signature of [theirs, ours])
      expect(verify('sha256', message, { key: publicKeyObject(point), dsaEncoding: 'ieee-p1363' }, signature)).toBe(
        true,
      );
  });

  it('agrees on ECDH secrets with node:crypto and refuses points off the curve', () => {
    const d = generateScalar(systemRandom);
    const peer = createECDH('prime256v1');
    peer.generateKeys();
    expect(sharedSecret(d, new Uint8Array(peer.getPublicKey()))).toEqual(
      new Uint8Array(peer.computeSecret(publicKeyOf(d))),
    );
    const off = new Uint8Array(peer.getPublicKey());
    off[40] = off[40]! ^ 0xff;
    expect(() => sharedSecret(d, off)).toThrow(/P-256/);
    expect(() => sharedSecret(d, new Uint8Array(65))).toThrow(/P-256/);
  });
});

describe('generateScalar from the system CSPRNG (drawn in batches)', () => {
  it('gives distinct valid scalars across batches, never a zeroed one', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const scalar = generateScalar(systemRandom);
      expect(isValidScalar(scalar)).toBe(true);
      seen.add(Buffer.from(scalar).toString('hex'));
    }
    expect(seen.size).toBe(100);
  });

  it('asks any other source for each candidate', () => {
    const asked: number[] = [];
    const source = { bytes: (n: number) => (asked.push(n), new Uint8Array(n).fill(7)) };
    expect(generateScalar(source)).toEqual(new Uint8Array(32).fill(7));
    expect(asked).toEqual([32]);
  });
});
