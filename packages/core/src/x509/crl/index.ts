export { CertificateRevocationList, HANDLED_CRL_EXTENSIONS } from './certificate-revocation-list.js';
export { HANDLED_ENTRY_EXTENSIONS, type RevokedEntry } from './revoked-entry.js';
export { CRL_REASONS, crlReasonCode, crlReasonFromCode, type CrlReason } from './reason.js';
export {
  decodeIssuingDistributionPoint,
  encodeIssuingDistributionPoint,
  type DistributionPointName,
  type IssuingDistributionPoint,
  type IssuingDistributionPointInput,
} from './issuing-distribution-point.js';
export {
  decodeCertificateIssuer,
  decodeCrlNumber,
  decodeDeltaCrlIndicator,
  decodeInvalidityDate,
  decodeReasonCode,
  encodeCrlNumber,
  encodeInvalidityDate,
  encodeReasonCode,
} from './extension-values.js';
export { normalizeSerialHex, serialMagnitude } from './serial.js';
export { buildCrl, type BuildCrlInput, type CrlEntryInput } from './build.js';
export { verifyCrlSignature } from './verify.js';
