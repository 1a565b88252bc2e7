/**
 * @keyline/device — the device SDK: a device's identity read from its secure element (the
 * certificate chain rebuilt from the chip with a chain definition), attestation tokens signed inside
 * the element, and mutual-TLS options for its key. It depends on @keyline/core and the
 * `SecureElement` interface of @keyline/se only (test/import-graph.test.ts). Guide: docs/device-sdk.md.
 */
export { DeviceIdentity, IDENTITY_KEY_SLOT, type OpenOptions } from './identity.js';
export {
  ATTESTATION_TYPE,
  MAX_ATTESTATION_TOKEN_LENGTH,
  MAX_ATTEST_FIELD_LENGTH,
  type AttestOptions,
  type AttestationClaims,
} from './attest.js';
export type { DeviceTlsOptions, TlsOptionsRequest } from './tls-options.js';
export {
  PKCS11_ENGINE_PATH,
  PKCS11_ENGINE_ID,
  pkcs11EngineConfig,
  writePkcs11EngineConfig,
  type Pkcs11EngineConfigOptions,
} from './pkcs11-engine.js';
export { chainDefinitionFromJson, chainDefinitionToJson, type ChainDefinition } from '@keyline/core';
