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
