import { createECDH, createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isKeylineError, type ErrorCode } from '@keyline/core';

/** A node:crypto public key from a 65-byte uncompressed P-256 point. */
export function publicKeyObject(point: Uint8Array): KeyObject {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
    format: 'jwk',
  });
}

export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** Expects `promise` to reject with a KeylineError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  if (!isKeylineError(caught, code))
    throw new Error(`expected ${code}, got ${String((caught as Error)?.stack ?? caught)}`);
}

/** A fresh P-256 key pair made by OpenSSL through node:crypto, as a peer for ECDH. */
export function peerKeyPair(): { publicKey: Uint8Array; secretWith(point: Uint8Array): Uint8Array } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    publicKey: new Uint8Array(ecdh.getPublicKey()),
    secretWith: (point) => new Uint8Array(ecdh.computeSecret(point)),
  };
}

export async function tempDir(prefix = 'keyline-se-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The private scalars an image file holds in its private-key slots (bytes 4-35), for tests only. */
export async function scalarsInImage(file: string, slots: readonly number[]): Promise<Uint8Array[]> {
  const image = JSON.parse(await readFile(file, 'utf8')) as { slots: string[] };
  return slots.map((slot) => new Uint8Array(Buffer.from(image.slots[slot]!, 'hex').subarray(4, 36)));
}
