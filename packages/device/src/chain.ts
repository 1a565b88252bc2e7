import {
  Certificate,
  KEYLINE_ATTRIBUTE,
  OID,
  compileChainDefinition,
  isKeylineError,
  KeylineError,
  rebuildChainFromChip,
  signatureAlgorithmOf,
  verifySignature,
  type ChainDefinition,
} from '@keyline/core';
import type { SecureElement } from '@keyline/se';

/** What the SDK reads from a provisioned element. */
export interface ChipChain {
  readonly chipSerial: Uint8Array;
  /** The identity key's 65-octet uncompressed point. */
  readonly publicKey: Uint8Array;
  /** Device, issuing CA, manufacturer CA: leaf first, the root excluded. */
  readonly certificates: readonly Certificate[];
}

/** Slots of the storage layout (docs/device-sdk.md, "What the chip holds"). */
const DEVICE_CERTIFICATE_SLOT = 8;
const DEVICE_CERTIFICATE_SLOT_SIZE = 416;
const SIGNER_KEY_SLOT = 9;
const SIGNER_KEY_SLOT_SIZE = 72;

function notProvisioned(message: string, cause?: unknown): never {
  throw new KeylineError('ERR_DEVICE_NOT_PROVISIONED', message, undefined, { cause });
}

function chainInvalid(message: string, cause?: unknown): never {
  throw new KeylineError('ERR_DEVICE_CHAIN_INVALID', message, undefined, { cause });
}

/** Runs an element call, turning "nothing there yet" answers into ERR_DEVICE_NOT_PROVISIONED. */
async function fromElement<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isKeylineError(error, 'ERR_SE_NO_KEY')) notProvisioned(`${what}: the identity slot holds no key`, error);
    if (isKeylineError(error, 'ERR_SE_NOT_LOCKED')) {
      notProvisioned(`${what}: the data zone is not locked, so the line has not finished this element`, error);
    }
    throw error;
  }
}

/** Whether `cert` is signed by `issuer`'s key (node:crypto through core's strict verifier). */
function signedBy(cert: Certificate, issuer: Certificate): boolean {
  try {
    return verifySignature({
      algorithm: signatureAlgorithmOf(cert.signatureAlgorithm),
      publicKey: issuer.spki,
      data: cert.tbs,
      signature: cert.signatureValue,
    });
  } catch (error) {
    if (isKeylineError(error)) return false;
    throw error;
  }
}

/**
 * Reads the chip (serial, identity key, slots 8 and 9), rebuilds the chain with `definition` and
 * checks it: the device certificate must be signed by the issuing CA and the issuing CA certificate
 * by the manufacturer CA (a wrong definition, chip serial or slot content gives certificates whose
 * signatures fail), and the device certificate must carry the element's key.
 */
export async function readChipChain(
  element: SecureElement,
  definition: ChainDefinition,
  keySlot: number,
): Promise<ChipChain> {
  const info = await element.info();
  const publicKey = await fromElement('reading the identity key', () => element.getPublicKey(keySlot));
  const slot8 = await fromElement('reading slot 8', () =>
    element.read(DEVICE_CERTIFICATE_SLOT, 0, DEVICE_CERTIFICATE_SLOT_SIZE),
  );
  const slot9 = await fromElement('reading slot 9', () => element.read(SIGNER_KEY_SLOT, 0, SIGNER_KEY_SLOT_SIZE));
  if (slot8.every((b) => b === 0) || slot9.every((b) => b === 0)) {
    notProvisioned('slots 8 and 9 are empty: no certificate was written to this element');
  }
  const compiled = compileChainDefinition(definition);
  let rebuilt;
  try {
    rebuilt = rebuildChainFromChip(compiled, { slot8, slot9, chipSerial: info.serialNumber, publicKey });
  } catch (error) {
    if (isKeylineError(error) && error.code.startsWith('ERR_COMPRESSED_')) {
      chainInvalid(`the chain definition does not rebuild this element's certificates: ${error.message}`, error);
    }
    throw error;
  }
  const device = Certificate.fromDer(rebuilt.device);
  const signer = Certificate.fromDer(rebuilt.signer);
  const manufacturer = compiled.manufacturerCa;
  if (!signedBy(signer, manufacturer)) {
    chainInvalid(
      "the issuing CA certificate rebuilt from slot 8 does not verify under the definition's manufacturer CA",
    );
  }
  if (!signedBy(device, signer)) {
    chainInvalid('the device certificate rebuilt from slot 8 does not verify: another chip serial or definition');
  }
  return { chipSerial: info.serialNumber, publicKey, certificates: [device, signer, manufacturer] };
}

/** The first value of `type` in the subject. */
export function subjectAttribute(cert: Certificate, type: string): string | undefined {
  for (const rdn of cert.subject.rdns) for (const attribute of rdn) if (attribute.type === type) return attribute.value;
  return undefined;
}

/** The KECP 6 naming of a device certificate. */
export interface DeviceNames {
  readonly deviceId: string;
  readonly manufacturerId: string;
  readonly productId: string;
  readonly hardwareVersion: string | undefined;
  readonly serialNumber: string;
}

export function deviceNames(device: Certificate): DeviceNames {
  const deviceId = subjectAttribute(device, OID.commonName);
  const manufacturerId = subjectAttribute(device, KEYLINE_ATTRIBUTE.manufacturerId);
  const productId = subjectAttribute(device, KEYLINE_ATTRIBUTE.productId);
  if (deviceId === undefined || manufacturerId === undefined || productId === undefined) {
    chainInvalid('the device certificate lacks its device id, manufacturer id or product id (KECP 6)');
  }
  return {
    deviceId,
    manufacturerId,
    productId,
    hardwareVersion: subjectAttribute(device, KEYLINE_ATTRIBUTE.hardwareVersion),
    serialNumber: subjectAttribute(device, OID.serialNumber) ?? deviceId,
  };
}
