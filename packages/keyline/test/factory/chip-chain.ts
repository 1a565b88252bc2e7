import {
  rebuildChainFromChip,
  type ChainDefinition,
  type CompiledChainDefinition,
  type RebuiltChain,
} from '@keyline/core';
import type { ElementInfo, SecureElement } from '@keyline/se';

/**
 * Reads a provisioned chip back as a device in the field would (slot 8: the compressed
 * certificates; slot 9: the signer's key; its serial and identity key) and rebuilds its chain.
 * `info` comes back too, for the callers' checks of the locks.
 */
export async function rebuildChainOfChip(
  element: SecureElement,
  definition: ChainDefinition | CompiledChainDefinition,
): Promise<{ info: ElementInfo; rebuilt: RebuiltChain }> {
  const info = await element.info();
  const rebuilt = rebuildChainFromChip(definition, {
    slot8: await element.read(8, 0, 416),
    slot9: await element.read(9, 0, 72),
    chipSerial: info.serialNumber,
    publicKey: await element.getPublicKey(0),
  });
  return { info, rebuilt };
}
