/**
 * Server-side mutual TLS for devices (issue 5 section 2): a Node TLS or HTTPS server that asks
 * every client for its certificate and keeps only devices whose chain trust/ verifies (ecosystem
 * profile, revocation). docs/mtls.md is the guide.
 */
export {
  createMutualTlsServer,
  deviceOf,
  mutualTlsServerOptions,
  requireVerifiedDevices,
  verifiedDeviceOf,
  type DeviceRequest,
  type MutualTlsRefusal,
  type MutualTlsServerOptions,
  type MutualTlsVerification,
} from './mutual-tls-server.js';
export { checkDevice, type DeviceCheckInput, type DeviceCheckOptions } from './device-check.js';
export { LocalRevocation } from './local-revocation.js';
export { fetchedRevocation } from './fetched-revocation.js';
export { peerChainOf } from './peer-chain.js';
