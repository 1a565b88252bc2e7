import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { fail } from '@keyline/core';
import { bytesEqual } from '../bytes.js';
import { emulatedScalarOf, type EmulatedChip } from './chip.js';

/**
 * EMULATOR-ONLY. A `node:crypto` private key object for the key in `slot` of an emulated chip, so
 * that Node's TLS stack (which signs in process and has no hook for an external signer) can do
 * mutual TLS with an emulated device's identity key in tests and demos. A real secure element never
 * lets its key out; on a PKCS#11 element the device SDK uses OpenSSL's pkcs11 engine instead, and
 * on an ATECC chip a TLS stack with an ATECC key hook (e.g. cryptoauthlib's) does the signing.
 *
 * This is exported only as the subpath `@keyline/se/emulator-tls`, never from the package's main
 * entry, which exports no private key (test/no-private-key.test.ts). Fails with ERR_SE_NOT_A_KEY_SLOT
 * or ERR_SE_NO_KEY like `getPublicKey`.
 */
export async function emulatorTlsKey(chip: EmulatedChip, slot = 0): Promise<KeyObject> {
  const element = chip.element();
  let point: Uint8Array;
  try {
    // Refuses a slot that is not a private-key slot, or holds no key, exactly as the chip does.
    point = await element.getPublicKey(slot);
  } finally {
    await element.close();
  }
  const scalar = emulatedScalarOf(chip, slot);
  if (scalar === undefined) fail('ERR_SE_NO_KEY');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(scalar);
  if (!bytesEqual(new Uint8Array(ecdh.getPublicKey()), point)) {
    fail('ERR_SE_NO_KEY', "the slot's key changed while it was read");
  }
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(scalar), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
    format: 'jwk',
  });
}
