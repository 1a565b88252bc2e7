import { createHash, createPublicKey, verify } from 'node:crypto';
import {
  COMPRESSED_DEVICE_LENGTH,
  COMPRESSED_FORMAT_VERSION,
  CURVES,
  compressDeviceCertificate,
  decodeSlot8,
  ecdsaSignatureToRaw,
  encodeCompressedDates,
  encodeSlot8,
  isKeylineError,
  rebuildChainFromChip,
  readTlv,
  rebuildDeviceCertificate,
  templateId,
  type RandomSource,
} from '@keyline/core';
import { PROVISIONING_SLOTS, type SecureElement } from '@keyline/se';
import type { StationChain } from './chain.js';

/**
 * What one station does to one chip: make the identity key, write and lock, and check the result.
 * Each function is one step of the journal (factory/journal.ts) and is safe to repeat where the
 * journal may repeat it (a write before the lock, a check after it).
 */

const KEY_SLOT = PROVISIONING_SLOTS.identityKey;
const CERT_SLOT = PROVISIONING_SLOTS.deviceCertificate;
const SIGNER_KEY_SLOT = PROVISIONING_SLOTS.signerPublicKey;

/** A chip that failed a step: the reason and code its quarantine records. */
export class ChipFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Turns what a chip step threw into a ChipFailure when it is the chip's fault (an ERR_SE_* error,
 * a refused rebuild), and passes anything else on (a fault of ours or of the store ends the run).
 */
export function chipFailure(error: unknown): ChipFailure {
  if (error instanceof ChipFailure) return error;
  if (isKeylineError(error)) {
    if (error.code.startsWith('ERR_SE_')) return new ChipFailure(error.code, error.message);
    if (error.code.startsWith('ERR_COMPRESSED_') || error.code.startsWith('ERR_CHAIN_')) {
      return new ChipFailure('ERR_FACTORY_REBUILD_MISMATCH', `${error.code}: ${error.message}`);
    }
  }
  throw error;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Makes the identity key in slot 0; its public key (65-byte point). A chip whose data zone is
 * locked refuses (slot 0 takes no new key after the lock): it was personalised before the line
 * reached it.
 */
export async function makeIdentityKey(element: SecureElement): Promise<Uint8Array> {
  let point: Uint8Array;
  try {
    point = await element.generateKey(KEY_SLOT);
  } catch (error) {
    if (isKeylineError(error, 'ERR_SE_LOCKED')) {
      throw new ChipFailure('ERR_FACTORY_CHIP_NOT_BLANK', 'the data zone was locked before the line reached the chip');
    }
    throw error;
  }
  if (point.length !== 65 || point[0] !== 0x04) {
    throw new ChipFailure('ERR_FACTORY_CHIP_FAILED', 'the chip returned a malformed public key');
  }
  return point;
}

/** A chip's write unit: a 32-byte block (shorter writes cost a command per 4-byte word). */
const BLOCK = 32;

/** Zero-pads to whole 32-byte blocks (the slot's unused octets are zeros on a blank chip anyway). */
function padToBlocks(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / BLOCK) * BLOCK);
  out.set(bytes);
  return out;
}

/** What the line knows of a certificate it had issued, besides its DER. */
export interface IssuedFacts {
  readonly publicKey: Uint8Array;
  /** Lower-case hex. */
  readonly chipSerial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The 72-octet compressed form of a certificate the line had issued (docs/compressed-certificates.md):
 * assembled from what the line knows (template id, dates, the signature taken from the DER) and
 * checked by rebuilding the certificate from it, which must give the DER back byte for byte.
 * Anything else goes through core's `compressDeviceCertificate`, which names what is wrong.
 */
function compressIssued(chain: StationChain, der: Uint8Array, facts: IssuedFacts | undefined): Uint8Array {
  if (facts !== undefined) {
    try {
      const top = readTlv(der, 0, der.length);
      const tbs = readTlv(der, top.valueStart, top.end);
      const algorithm = readTlv(der, tbs.end, top.end);
      const bits = readTlv(der, algorithm.end, top.end);
      const out = new Uint8Array(COMPRESSED_DEVICE_LENGTH);
      out[0] = COMPRESSED_FORMAT_VERSION;
      out.set(templateId(chain.deviceTemplate), 1);
      out.set(encodeCompressedDates(facts.notBefore, facts.notAfter), 4);
      out.set(ecdsaSignatureToRaw(der.subarray(bits.valueStart + 1, bits.end), CURVES['P-256']), 8);
      const rebuilt = rebuildDeviceCertificate(chain.deviceTemplate, {
        compressed: out,
        publicKey: facts.publicKey,
        chipSerial: Buffer.from(facts.chipSerial, 'hex'),
      });
      if (sameBytes(rebuilt, der)) return out;
    } catch {
      // The general path below says why.
    }
  }
  return compressDeviceCertificate(chain.deviceTemplate, der);
}

/**
 * The two slot images a chip of the batch receives for its certificate: slot 8 as the chip storage
 * layout says (padded with zeros to whole blocks, so the chip takes it in a few block writes), and
 * slot 9 (72 octets: two blocks and the slot's short last one).
 */
export function slotImages(
  chain: StationChain,
  certificateDer: Uint8Array,
  facts?: IssuedFacts,
): { slot8: Uint8Array; slot9: Uint8Array } {
  const compressed = compressIssued(chain, certificateDer, facts);
  return { slot8: padToBlocks(encodeSlot8(compressed, chain.signerCompressed)), slot9: chain.slot9 };
}

/**
 * Writes slots 8 and 9 and locks the data zone, unless the chip is locked already (a resumed
 * chip: the writes happened before the lock, and `checkChip` tells whether they were right).
 * Writes before the lock are idempotent.
 */
export async function writeAndLock(
  element: SecureElement,
  images: { slot8: Uint8Array; slot9: Uint8Array },
  options: { readonly knownUnlocked?: boolean; readonly afterWrite?: () => void } = {},
): Promise<void> {
  // A chip that got its key in this run is known to be unlocked; a resumed one is asked.
  if (options.knownUnlocked !== true && (await element.info()).dataLocked) return;
  await element.write(CERT_SLOT, 0, images.slot8);
  await element.write(SIGNER_KEY_SLOT, 0, images.slot9);
  options.afterWrite?.();
  await element.lockData();
}

/**
 * The line's check of a personalised chip (DESIGN.md "Factory"): the data zone is locked, the chip
 * signs the SHA-256 of a fresh random nonce with slot 0 and the signature verifies with the key of
 * the NEW certificate, and the chain rebuilt from the chip's storage (core's `rebuildChainFromChip`)
 * is byte-identical to the recorded device certificate and issuing CA certificate. Throws a
 * ChipFailure naming what failed.
 */
export async function checkChip(
  element: SecureElement,
  chain: StationChain,
  certificateDer: Uint8Array,
  certifiedKey: Uint8Array,
  random: RandomSource,
): Promise<void> {
  const info = await element.info();
  if (!info.dataLocked) throw new ChipFailure('ERR_FACTORY_CHIP_FAILED', 'the data zone is not locked');
  // The key the certificate was issued for (the journal's); that the certificate names it is
  // confirmed below, when the certificate rebuilt around the chip's key is byte-identical to it.
  if (certifiedKey.length !== 65 || Buffer.from(certificateDer).indexOf(certifiedKey) < 0) {
    throw new ChipFailure('ERR_FACTORY_KEY_MISMATCH', 'the certificate does not name the key recorded for the chip');
  }
  const nonce = random.bytes(32);
  const signature = await element.sign(KEY_SLOT, createHash('sha256').update(nonce).digest());
  let valid = false;
  try {
    // Imported from its coordinates: OpenSSL 3.0 decodes a JWK in less than half the time of a DER
    // SubjectPublicKeyInfo (docs/benchmarks.md), and this runs once per chip.
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(certifiedKey.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(certifiedKey.subarray(33, 65)).toString('base64url'),
      },
      format: 'jwk',
    });
    valid = signature.length === 64 && verify('sha256', nonce, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new ChipFailure('ERR_FACTORY_CHALLENGE_FAILED', 'the signature over the challenge does not verify');
  }
  // A valid signature over a fresh nonce shows slot 0 holds the certified key: the chain is rebuilt
  // around it, as a device rebuilds it around the key its slot 0 reports.
  const publicKey = certifiedKey;
  const slot8 = await element.read(CERT_SLOT, 0, Math.ceil((76 + chain.signerCompressed.length) / BLOCK) * BLOCK);
  const slot9 = await element.read(SIGNER_KEY_SLOT, 0, 72);
  let rebuilt: { device: Uint8Array; signer: Uint8Array };
  try {
    rebuilt = rebuildFromChip(chain, { slot8, slot9, chipSerial: info.serialNumber, publicKey });
  } catch (error) {
    throw chipFailure(error);
  }
  if (!sameBytes(rebuilt.device, certificateDer)) {
    throw new ChipFailure('ERR_FACTORY_REBUILD_MISMATCH', 'the device certificate rebuilt from the chip differs');
  }
  if (!sameBytes(rebuilt.signer, chain.issuing.der)) {
    throw new ChipFailure('ERR_FACTORY_REBUILD_MISMATCH', 'the issuing CA certificate rebuilt from the chip differs');
  }
}

/**
 * `rebuildChainFromChip`, with its signer half remembered: every chip of a batch holds the same
 * compressed issuing CA certificate and key, and rebuilding that certificate (and importing the key
 * to check it is on the curve) is most of the cost. A chip whose slot 8 signer part and slot 9 are
 * byte-identical to storage already rebuilt in full gets the same signer certificate (the rebuild is
 * deterministic) and only its device certificate rebuilt, with the same template the full rebuild
 * compiles from that signer certificate. Any other storage takes the full path.
 */
function rebuildFromChip(
  chain: StationChain,
  chip: { slot8: Uint8Array; slot9: Uint8Array; chipSerial: Uint8Array; publicKey: Uint8Array },
): { device: Uint8Array; signer: Uint8Array } {
  const parts = decodeSlot8(chip.slot8);
  const key = Buffer.concat([parts.signer, chip.slot9]).toString('hex');
  const signer = rebuiltSigners.get(chain);
  if (signer !== undefined && signer.key === key) {
    const device = rebuildDeviceCertificate(chain.deviceTemplate, {
      compressed: parts.device,
      publicKey: chip.publicKey,
      chipSerial: chip.chipSerial,
    });
    return { device, signer: signer.der };
  }
  const rebuilt = rebuildChainFromChip(chain.compiled, chip);
  if (sameBytes(rebuilt.signer, chain.issuing.der)) rebuiltSigners.set(chain, { key, der: rebuilt.signer });
  return rebuilt;
}

/** Per batch chain: the signer storage last rebuilt in full, and what it rebuilt to. */
const rebuiltSigners = new WeakMap<StationChain, { key: string; der: Uint8Array }>();

/** A quarantine reason from a failure, for the journal and the report. */
export function describeFailure(error: unknown): { code: string; reason: string } {
  const failure = chipFailure(error);
  return { code: failure.code, reason: failure.message.slice(0, 500) };
}
