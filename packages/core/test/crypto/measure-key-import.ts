/**
 * Measures the ways node:crypto can import a public key, to choose the cheapest (key-import.ts).
 * Not a test: run with `npx tsx packages/core/test/crypto/measure-key-import.ts`.
 */
import { ECDH, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { clearKeyObjectCache, parsePublicKeyInfo, setKeyObjectCacheCapacity } from '../../src/crypto/index.js';

const KEYS = 64;
const ROUNDS = 5;

function time(iterations: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn(i);
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations / 1000);
  }
  return best;
}

function keysOf(kind: string): KeyObject[] {
  const out: KeyObject[] = [];
  for (let i = 0; i < KEYS; i++) {
    if (kind === 'ed25519') out.push(generateKeyPairSync('ed25519').publicKey);
    else if (kind === 'rsa-2048') out.push(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
    else out.push(generateKeyPairSync('ec', { namedCurve: kind }).publicKey);
  }
  return out;
}

const rows: Array<Record<string, string>> = [];
for (const kind of ['P-256', 'P-384', 'P-521', 'ed25519', 'rsa-2048']) {
  const keys = keysOf(kind);
  const spkis = keys.map((k) => k.export({ format: 'der', type: 'spki' }));
  const jwks = keys.map((k) => k.export({ format: 'jwk' }));
  const n = kind === 'P-521' || kind === 'P-384' ? 2000 : 10000;
  const spki = time(n, (i) => createPublicKey({ key: spkis[i % KEYS]!, format: 'der', type: 'spki' }));
  const jwk = time(n, (i) => createPublicKey({ key: jwks[i % KEYS]!, format: 'jwk' }));
  const row: Record<string, string> = { key: kind, 'SPKI DER µs': spki.toFixed(1), 'JWK µs': jwk.toFixed(1) };
  if (kind.startsWith('P-')) {
    const name = kind === 'P-256' ? 'prime256v1' : kind === 'P-384' ? 'secp384r1' : 'secp521r1';
    const points = spkis.map((s) => s.subarray(s.length - (kind === 'P-256' ? 65 : kind === 'P-384' ? 97 : 133)));
    row['on-curve check µs'] = time(n, (i) => ECDH.convertKey(points[i % KEYS]!, name)).toFixed(1);
  }
  setKeyObjectCacheCapacity(0);
  row['parse µs'] = time(n, (i) => parsePublicKeyInfo(spkis[i % KEYS]!)).toFixed(1);
  row['parse+keyObject cold µs'] = time(n, (i) => parsePublicKeyInfo(spkis[i % KEYS]!).keyObject()).toFixed(1);
  row['parse(importKey) cold µs'] = time(n, (i) => parsePublicKeyInfo(spkis[i % KEYS]!, { importKey: true })).toFixed(
    1,
  );
  setKeyObjectCacheCapacity(1024);
  clearKeyObjectCache();
  row['parse+keyObject cached µs'] = time(n, (i) => parsePublicKeyInfo(spkis[i % KEYS]!).keyObject()).toFixed(1);
  rows.push(row);
}
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}; best of ${ROUNDS} rounds`);
console.table(rows);
