export { compressDeviceCertificate, rebuildDeviceCertificate, type CompressedDeviceSource } from './device-codec.js';
export { deriveDeviceSerial, DERIVED_SERIAL_LENGTH } from './serial.js';
export { encodeCompressedDates, decodeCompressedDates, type CompressedValidity } from './dates.js';
export { templateFingerprint, templateId } from './template-id.js';
export { COMPRESSED_DEVICE_LENGTH, COMPRESSED_FORMAT_VERSION } from './format.js';
export {
  SignerTemplate,
  deriveSignerSerial,
  type SignerRecipe,
  type SignerTemplateOptions,
} from './signer-template.js';
export {
  compressSignerCertificate,
  rebuildSignerCertificate,
  COMPRESSED_SIGNER_FORMAT_VERSION,
  type CompressedSignerSource,
} from './signer-codec.js';
export {
  chainDefinitionFor,
  chainDefinitionToJson,
  chainDefinitionFromJson,
  compileChainDefinition,
  deviceTemplateForIssuer,
  rebuildChainFromChip,
  CHAIN_DEFINITION_ERRORS,
  type ChainDefinition,
  type ChainDefinitionSigner,
  type ChainDefinitionDevice,
  type ChainDefinitionDeviceOptions,
  type ChipChainSource,
  type CompiledChainDefinition,
  type RebuiltChain,
} from './chain-definition.js';
export {
  encodeSlot8,
  decodeSlot8,
  encodeSignerKeySlot,
  decodeSignerKeySlot,
  DEVICE_CERTIFICATE_SLOT,
  DEVICE_CERTIFICATE_SLOT_SIZE,
  SIGNER_KEY_SLOT,
  SIGNER_KEY_SLOT_SIZE,
  SLOT8_HEADER_OFFSET,
  SLOT8_SIGNER_OFFSET,
  SLOT_LAYOUT_VERSION,
  type Slot8Content,
} from './chip-slots.js';
