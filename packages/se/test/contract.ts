import { createPublicKey, verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ecdsaSignatureFromRaw } from '@keyline/core';
import type { SecureElement } from '../src/element.js';
import { PROVISIONING_SLOTS } from '../src/atecc/provisioning-config.js';
import { expectCode, peerKeyPair, publicKeyObject, sha256 } from './helpers.js';

/** Which slots of an implementation play which part in the contract. */
export interface ContractLayout {
  /** A key slot whose key can be made until the data zone is locked, and never after. */
  readonly identityKeySlot: number;
  /** A key slot whose key can be made again after the data zone is locked. */
  readonly fieldKeySlot: number;
  /** A key slot that signs but refuses ECDH. */
  readonly signOnlyKeySlot: number;
  /** A key slot that does ECDH but refuses to sign. */
  readonly ecdhOnlyKeySlot: number;
  /** A data slot writable until the data zone is locked, and never after. */
  readonly writeOnceSlot: number;
  /** A data slot writable at any time, and lockable on its own. */
  readonly freeDataSlot: number;
  /** A data slot that is never readable. */
  readonly secretSlot: number;
  /** Sizes of the slots, by slot number. */
  readonly slotSizes: readonly number[];
}

/** The contract's reading of `PROVISIONING_LAYOUT`. */
export const PROVISIONING_CONTRACT_LAYOUT: ContractLayout = {
  identityKeySlot: PROVISIONING_SLOTS.identityKey,
  fieldKeySlot: PROVISIONING_SLOTS.operationalKey,
  signOnlyKeySlot: PROVISIONING_SLOTS.attestationKey,
  ecdhOnlyKeySlot: PROVISIONING_SLOTS.keyAgreementKey,
  writeOnceSlot: PROVISIONING_SLOTS.deviceCertificate,
  freeDataSlot: 12,
  secretSlot: PROVISIONING_SLOTS.secret,
  slotSizes: [...Array(8).fill(36), 416, ...Array(7).fill(72)],
};

/** A fresh element in the state a provisioning line receives it: configuration locked, data zone unlocked, no keys. */
export interface ContractSubject {
  readonly element: SecureElement;
  cleanup?(): Promise<void>;
}

function verifies(publicKey: Uint8Array, message: Uint8Array, rawSignature: Uint8Array): boolean {
  return verify('sha256', message, { key: publicKeyObject(publicKey), dsaEncoding: 'ieee-p1363' }, rawSignature);
}

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

/**
 * The behaviour every `SecureElement` implementation shares. Run it with a factory that gives a fresh
 * element per test.
 */
export function describeSecureElementContract(
  name: string,
  factory: () => Promise<ContractSubject>,
  layout: ContractLayout = PROVISIONING_CONTRACT_LAYOUT,
): void {
  describe(`SecureElement contract: ${name}`, () => {
    let subject: ContractSubject;
    let se: SecureElement;
    beforeEach(async () => {
      subject = await factory();
      se = subject.element;
    });
    afterEach(async () => {
      await se.close().catch(() => undefined);
      await subject.cleanup?.();
    });

    it('reports its serial number, model, revision and locks', async () => {
      const info = await se.info();
      expect(info.serialNumber).toBeInstanceOf(Uint8Array);
      expect(info.serialNumber.length).toBeGreaterThan(0);
      expect(info.serialHex).toBe(Buffer.from(info.serialNumber).toString('hex'));
      expect(info.model.length).toBeGreaterThan(0);
      expect(info.revision).toMatch(/^[0-9a-f]+$/);
      expect(info.configLocked).toBe(true);
      expect(info.dataLocked).toBe(false);
      expect(info.slotLocks).toEqual(layout.slotSizes.map(() => false));
      expect(info.slotSizes).toEqual(layout.slotSizes);
      expect((await se.info()).serialHex).toBe(info.serialHex);
    });

    it('generates a P-256 key in a key slot and returns only its public point', async () => {
      const publicKey = await se.generateKey(layout.identityKeySlot);
      expect(publicKey.length).toBe(65);
      expect(publicKey[0]).toBe(0x04);
      const key = publicKeyObject(publicKey); // OpenSSL checks the point is on the curve
      expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(await se.getPublicKey(layout.identityKeySlot)).toEqual(publicKey);
      const again = await se.generateKey(layout.identityKeySlot); // allowed until the data zone is locked
      expect(again).not.toEqual(publicKey);
      expect(await se.getPublicKey(layout.identityKeySlot)).toEqual(again);
    });

    it('refuses keys outside key slots and public keys of empty slots', async () => {
      await expectCode(se.generateKey(layout.writeOnceSlot), 'ERR_SE_NOT_A_KEY_SLOT');
      await expectCode(se.getPublicKey(layout.writeOnceSlot), 'ERR_SE_NOT_A_KEY_SLOT');
      await expectCode(se.getPublicKey(layout.fieldKeySlot), 'ERR_SE_NO_KEY');
      await expectCode(se.generateKey(layout.slotSizes.length), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.generateKey(-1), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.generateKey(1.5), 'ERR_SE_OUT_OF_RANGE');
    });

    it('signs digests with signatures node:crypto verifies, raw and as DER', async () => {
      const publicKey = await se.generateKey(layout.identityKeySlot);
      const message = new TextEncoder().encode('challenge 42');
      const first = await se.sign(layout.identityKeySlot, sha256(message));
      const second = await se.sign(layout.identityKeySlot, sha256(message));
      expect(first.length).toBe(64);
      expect(verifies(publicKey, message, first)).toBe(true);
      expect(verifies(publicKey, message, second)).toBe(true);
      expect(first).not.toEqual(second); // a fresh k each time
      const der = ecdsaSignatureFromRaw(first);
      expect(
        verify(
          'sha256',
          message,
          createPublicKey(publicKeyObject(publicKey).export({ format: 'pem', type: 'spki' })),
          der,
        ),
      ).toBe(true);
      expect(verifies(publicKey, new TextEncoder().encode('challenge 43'), first)).toBe(false);
    });

    it('signs with the key of the slot it is asked for', async () => {
      const identity = await se.generateKey(layout.identityKeySlot);
      const field = await se.generateKey(layout.fieldKeySlot);
      const message = new TextEncoder().encode('which key?');
      const signature = await se.sign(layout.fieldKeySlot, sha256(message));
      expect(verifies(field, message, signature)).toBe(true);
      expect(verifies(identity, message, signature)).toBe(false);
    });

    it('refuses to sign what it should not', async () => {
      await se.generateKey(layout.ecdhOnlyKeySlot);
      await expectCode(se.sign(layout.identityKeySlot, sha256('x')), 'ERR_SE_NO_KEY');
      await expectCode(se.sign(layout.writeOnceSlot, sha256('x')), 'ERR_SE_NOT_A_KEY_SLOT');
      await expectCode(se.sign(layout.ecdhOnlyKeySlot, sha256('x')), 'ERR_SE_PERMISSION_DENIED');
      await expectCode(se.sign(layout.identityKeySlot, new Uint8Array(31)), 'ERR_SE_BAD_DIGEST');
      await expectCode(se.sign(layout.identityKeySlot, new Uint8Array(33)), 'ERR_SE_BAD_DIGEST');
      await expectCode(se.sign(layout.identityKeySlot, 'not bytes' as unknown as Uint8Array), 'ERR_SE_BAD_DIGEST');
    });

    it('agrees on an ECDH secret with node:crypto, both ways', async () => {
      const own = await se.generateKey(layout.identityKeySlot);
      const peer = peerKeyPair();
      const secret = await se.ecdh(layout.identityKeySlot, peer.publicKey);
      expect(secret.length).toBe(32);
      expect(secret).toEqual(peer.secretWith(own));
      const other = peerKeyPair();
      expect(await se.ecdh(layout.identityKeySlot, other.publicKey)).not.toEqual(secret);
    });

    it('refuses ECDH with bad points and in slots that do not allow it', async () => {
      await se.generateKey(layout.identityKeySlot);
      await se.generateKey(layout.signOnlyKeySlot);
      const peer = peerKeyPair().publicKey;
      const offCurve = new Uint8Array(peer);
      offCurve[64] = offCurve[64]! ^ 0x01;
      await expectCode(se.ecdh(layout.identityKeySlot, offCurve), 'ERR_SE_BAD_PUBLIC_KEY');
      await expectCode(se.ecdh(layout.identityKeySlot, peer.subarray(0, 33)), 'ERR_SE_BAD_PUBLIC_KEY');
      const compressedTag = new Uint8Array(peer);
      compressedTag[0] = 0x02;
      await expectCode(se.ecdh(layout.identityKeySlot, compressedTag), 'ERR_SE_BAD_PUBLIC_KEY');
      await expectCode(se.ecdh(layout.signOnlyKeySlot, peer), 'ERR_SE_PERMISSION_DENIED');
      await expectCode(se.ecdh(layout.fieldKeySlot, peer), 'ERR_SE_NO_KEY');
      await expectCode(se.ecdh(layout.writeOnceSlot, peer), 'ERR_SE_NOT_A_KEY_SLOT');
    });

    it('gives random bytes of the length asked', async () => {
      const a = await se.random(32);
      const b = await se.random(32);
      expect(a.length).toBe(32);
      expect(a).not.toEqual(b);
      expect((await se.random(1)).length).toBe(1);
      expect((await se.random(100)).length).toBe(100);
      await expectCode(se.random(0), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.random(-5), 'ERR_SE_OUT_OF_RANGE');
    });

    it('keeps monotonic counters', async () => {
      for (const id of [0, 1]) {
        const start = await se.readCounter(id);
        expect(await se.incrementCounter(id)).toBe(start + 1);
        expect(await se.incrementCounter(id)).toBe(start + 2);
        expect(await se.readCounter(id)).toBe(start + 2);
      }
      await expectCode(se.readCounter(2), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.incrementCounter(-1), 'ERR_SE_OUT_OF_RANGE');
    });

    it('writes data slots before the data lock and reads them back after it', async () => {
      const big = bytes(layout.slotSizes[layout.writeOnceSlot]!, 7);
      await se.write(layout.writeOnceSlot, 0, big);
      const small = bytes(8, 99);
      await se.write(layout.freeDataSlot, 4, small);
      await expectCode(se.read(layout.freeDataSlot, 0, 4), 'ERR_SE_NOT_LOCKED');
      await se.lockData();
      expect(await se.read(layout.writeOnceSlot, 0, big.length)).toEqual(big);
      expect(await se.read(layout.writeOnceSlot, 5, 70)).toEqual(big.subarray(5, 75));
      expect(await se.read(layout.freeDataSlot, 4, 8)).toEqual(small);
      expect(await se.read(layout.freeDataSlot, 0, 4)).toEqual(new Uint8Array(4));
      expect(await se.read(layout.freeDataSlot, 0, 0)).toEqual(new Uint8Array(0));
    });

    it('checks data slot bounds and word alignment', async () => {
      const size = layout.slotSizes[layout.freeDataSlot]!;
      await expectCode(se.write(layout.freeDataSlot, size, new Uint8Array(4)), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.write(layout.freeDataSlot, size - 4, new Uint8Array(8)), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.write(layout.freeDataSlot, 2, new Uint8Array(4)), 'ERR_SE_MISALIGNED');
      await expectCode(se.write(layout.freeDataSlot, 0, new Uint8Array(3)), 'ERR_SE_MISALIGNED');
      await expectCode(se.read(layout.freeDataSlot, 0, size + 1), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.read(layout.freeDataSlot, -1, 4), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(se.read(layout.slotSizes.length, 0, 4), 'ERR_SE_OUT_OF_RANGE');
      await expectCode(
        se.write(layout.writeOnceSlot, 0, new Uint8Array(layout.slotSizes[layout.writeOnceSlot]! + 4)),
        'ERR_SE_OUT_OF_RANGE',
      );
    });

    it('never reads or writes a private-key slot', async () => {
      await se.generateKey(layout.identityKeySlot);
      await expectCode(se.write(layout.identityKeySlot, 0, new Uint8Array(36)), 'ERR_SE_PRIVATE_KEY_SLOT');
      await se.lockData();
      await expectCode(se.read(layout.identityKeySlot, 0, 36), 'ERR_SE_PRIVATE_KEY_SLOT');
      await expectCode(se.read(layout.identityKeySlot, 4, 4), 'ERR_SE_PRIVATE_KEY_SLOT');
      await expectCode(se.write(layout.identityKeySlot, 4, new Uint8Array(32)), 'ERR_SE_PRIVATE_KEY_SLOT');
    });

    it('after the data lock: fixed keys stay, field keys renew, slot policies hold', async () => {
      const identity = await se.generateKey(layout.identityKeySlot);
      await se.write(layout.writeOnceSlot, 0, bytes(72, 1));
      await se.lockData();
      expect((await se.info()).dataLocked).toBe(true);
      await expectCode(se.generateKey(layout.identityKeySlot), 'ERR_SE_LOCKED');
      expect(await se.getPublicKey(layout.identityKeySlot)).toEqual(identity);
      const message = new TextEncoder().encode('still signs');
      expect(verifies(identity, message, await se.sign(layout.identityKeySlot, sha256(message)))).toBe(true);
      const field1 = await se.generateKey(layout.fieldKeySlot);
      const field2 = await se.generateKey(layout.fieldKeySlot);
      expect(field2).not.toEqual(field1);
      await expectCode(se.write(layout.writeOnceSlot, 0, bytes(4, 2)), 'ERR_SE_LOCKED');
      expect(await se.read(layout.writeOnceSlot, 0, 72)).toEqual(bytes(72, 1));
      await se.write(layout.freeDataSlot, 0, bytes(4, 3));
      expect(await se.read(layout.freeDataSlot, 0, 4)).toEqual(bytes(4, 3));
      await expectCode(se.read(layout.secretSlot, 0, 4), 'ERR_SE_PERMISSION_DENIED');
      await expectCode(se.lockData(), 'ERR_SE_ALREADY_LOCKED');
      await expectCode(se.lockConfig(), 'ERR_SE_ALREADY_LOCKED');
    });

    it('locks single slots for good', async () => {
      await se.generateKey(layout.identityKeySlot);
      await se.lockSlot(layout.identityKeySlot);
      await expectCode(se.generateKey(layout.identityKeySlot), 'ERR_SE_LOCKED');
      await se.lockSlot(layout.freeDataSlot);
      await expectCode(se.lockSlot(layout.freeDataSlot), 'ERR_SE_ALREADY_LOCKED');
      await expectCode(se.write(layout.freeDataSlot, 0, new Uint8Array(4)), 'ERR_SE_LOCKED');
      await expectCode(se.lockSlot(layout.fieldKeySlot), 'ERR_SE_NOT_LOCKABLE');
      const info = await se.info();
      expect(info.slotLocks[layout.identityKeySlot]).toBe(true);
      expect(info.slotLocks[layout.freeDataSlot]).toBe(true);
      expect(info.slotLocks.filter(Boolean).length).toBe(2);
      await expectCode(se.lockSlot(99), 'ERR_SE_OUT_OF_RANGE');
    });

    it('runs concurrent calls one at a time without mixing them up', async () => {
      const publicKey = await se.generateKey(layout.identityKeySlot);
      const messages = Array.from({ length: 8 }, (_, i) => new TextEncoder().encode(`parallel ${i}`));
      const signatures = await Promise.all(messages.map((m) => se.sign(layout.identityKeySlot, sha256(m))));
      signatures.forEach((signature, i) => expect(verifies(publicKey, messages[i]!, signature)).toBe(true));
    });

    it('refuses every call once closed', async () => {
      await se.close();
      await expectCode(se.info(), 'ERR_SE_CLOSED');
      await expectCode(se.random(32), 'ERR_SE_CLOSED');
    });
  });
}
