import { createPublicKey } from 'node:crypto';
import { fail } from '../../errors/keyline-error.js';
import { P256_SPKI_PREFIX } from '../template/device-input.js';
import { COMPRESSED_DEVICE_LENGTH } from './format.js';

/**
 * The chip storage layout of a provisioned device (docs/device-sdk.md, "What the chip holds"):
 *
 * - slot 8 (416 octets): the 72-octet compressed device certificate; at offset 72 a 4-octet header
 *   `4B 4C 01 L` ("KL", layout version 1, L = length of the compressed signer certificate); at offset
 *   76 the L-octet compressed signer (issuing CA) certificate; zero-padded to whole 4-octet words
 *   (the chip writes whole words).
 * - slot 9 (72 octets): the issuing CA's P-256 public key as X ‖ Y, then 8 zero octets.
 */

/** The data slot that holds the compressed device and signer certificates. */
export const DEVICE_CERTIFICATE_SLOT = 8;
/** The data slot that holds the issuing CA's public key. */
export const SIGNER_KEY_SLOT = 9;
/** Size of slot 8 on an ATECC508A/608A (and on the PKCS#11 element, which mirrors it). */
export const DEVICE_CERTIFICATE_SLOT_SIZE = 416;
/** Size of slot 9. */
export const SIGNER_KEY_SLOT_SIZE = 72;
/** Offset of the "KL" header in slot 8. */
export const SLOT8_HEADER_OFFSET = COMPRESSED_DEVICE_LENGTH;
/** Offset of the compressed signer certificate in slot 8. */
export const SLOT8_SIGNER_OFFSET = SLOT8_HEADER_OFFSET + 4;
/** Version of the slot layout, the header's third octet. */
export const SLOT_LAYOUT_VERSION = 1;

const MAGIC_K = 0x4b;
const MAGIC_L = 0x4c;
/** Compressed signer lengths: 8 + 2 × the manufacturer CA curve's field size (P-256, P-384, P-521). */
const SIGNER_LENGTHS: ReadonlySet<number> = new Set([72, 104, 140]);

function malformed(message: string): never {
  return fail('ERR_CHAIN_SLOT_MALFORMED', message);
}

function bytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  return value;
}

/** What slot 8 holds: the two compressed certificates. */
export interface Slot8Content {
  /** The 72-octet compressed device certificate. */
  readonly device: Uint8Array;
  /** The compressed signer (issuing CA) certificate, 72, 104 or 140 octets. */
  readonly signer: Uint8Array;
}

/**
 * The octets the factory writes at offset 0 of slot 8: device ‖ "KL" 01 L ‖ signer, zero-padded to
 * a multiple of 4. ERR_COMPRESSED_LENGTH when a part has a length the layout does not know.
 */
export function encodeSlot8(deviceCompressed: Uint8Array, signerCompressed: Uint8Array): Uint8Array {
  const device = bytes(deviceCompressed, 'deviceCompressed');
  const signer = bytes(signerCompressed, 'signerCompressed');
  if (device.length !== COMPRESSED_DEVICE_LENGTH) {
    fail('ERR_COMPRESSED_LENGTH', `a compressed device certificate has ${COMPRESSED_DEVICE_LENGTH} octets`);
  }
  if (!SIGNER_LENGTHS.has(signer.length)) {
    fail('ERR_COMPRESSED_LENGTH', 'a compressed signer certificate has 72, 104 or 140 octets');
  }
  const used = SLOT8_SIGNER_OFFSET + signer.length;
  const out = new Uint8Array(Math.ceil(used / 4) * 4);
  out.set(device, 0);
  out.set([MAGIC_K, MAGIC_L, SLOT_LAYOUT_VERSION, signer.length], SLOT8_HEADER_OFFSET);
  out.set(signer, SLOT8_SIGNER_OFFSET);
  return out;
}

/**
 * Splits slot 8 (the whole 416-octet slot, or at least the encoded part) into its compressed
 * certificates (copies). ERR_CHAIN_SLOT_MALFORMED when the header is missing (a chip never
 * provisioned reads as zeros), of another version, or names a length that does not fit.
 */
export function decodeSlot8(slot: Uint8Array): Slot8Content {
  bytes(slot, 'slot');
  if (slot.length < SLOT8_SIGNER_OFFSET) malformed('slot 8 is too short to hold the layout header');
  if (slot[SLOT8_HEADER_OFFSET] !== MAGIC_K || slot[SLOT8_HEADER_OFFSET + 1] !== MAGIC_L) {
    malformed('slot 8 has no "KL" header at offset 72: the chip holds no Keyline certificates');
  }
  const version = slot[SLOT8_HEADER_OFFSET + 2]!;
  if (version !== SLOT_LAYOUT_VERSION) malformed(`slot 8 uses layout version ${version}, this reader knows 1`);
  const length = slot[SLOT8_HEADER_OFFSET + 3]!;
  if (!SIGNER_LENGTHS.has(length)) malformed(`slot 8 names a signer certificate of ${length} octets`);
  if (slot.length < SLOT8_SIGNER_OFFSET + length) malformed('slot 8 is shorter than the signer length it names');
  return {
    device: slot.slice(0, COMPRESSED_DEVICE_LENGTH),
    signer: slot.slice(SLOT8_SIGNER_OFFSET, SLOT8_SIGNER_OFFSET + length),
  };
}

/**
 * The 72 octets of slot 9 for the issuing CA's key: X ‖ Y ‖ 8 zero octets. `publicKey` is the
 * 65-octet uncompressed P-256 point or its 91-octet SubjectPublicKeyInfo; anything else is
 * ERR_COMPRESSED_BAD_INPUT (only a P-256 issuing CA signs compressible device certificates).
 */
export function encodeSignerKeySlot(publicKey: Uint8Array): Uint8Array {
  let point = bytes(publicKey, 'publicKey');
  if (point.length === P256_SPKI_PREFIX.length + 65) {
    if (Buffer.compare(point.subarray(0, P256_SPKI_PREFIX.length), P256_SPKI_PREFIX) !== 0) {
      fail('ERR_COMPRESSED_BAD_INPUT', 'the issuing CA key is not a P-256 SubjectPublicKeyInfo');
    }
    point = point.subarray(P256_SPKI_PREFIX.length);
  }
  if (point.length !== 65 || point[0] !== 0x04) {
    fail('ERR_COMPRESSED_BAD_INPUT', 'the issuing CA key must be an uncompressed P-256 point or its SPKI');
  }
  const out = new Uint8Array(SIGNER_KEY_SLOT_SIZE);
  out.set(point.subarray(1), 0);
  return out;
}

/**
 * The issuing CA's key from slot 9 as a 65-octet uncompressed point. ERR_CHAIN_SLOT_MALFORMED when
 * the slot is shorter than 64 octets, its padding is not zero, or X ‖ Y is not a point on P-256
 * (checked by OpenSSL through node:crypto).
 */
export function decodeSignerKeySlot(slot: Uint8Array): Uint8Array {
  bytes(slot, 'slot');
  if (slot.length < 64) malformed('slot 9 is too short to hold a P-256 public key');
  if (slot.subarray(64, SIGNER_KEY_SLOT_SIZE).some((b) => b !== 0)) malformed('slot 9 padding is not zero');
  const point = new Uint8Array(65);
  point[0] = 0x04;
  point.set(slot.subarray(0, 64), 1);
  try {
    createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, point]), format: 'der', type: 'spki' });
  } catch {
    malformed('slot 9 does not hold a point on P-256');
  }
  return point;
}
