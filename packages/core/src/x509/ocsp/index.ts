export { certIdEquals, certIdFor, readCertId, type CertId, type CertIdHash } from './cert-id.js';
export { MAX_NONCE_OCTETS, decodeNonce, nonceExtension } from './nonce.js';
export { OCSP_REQUEST_LIMITS, OcspRequest, type OcspRequestSignature, type OcspSingleRequest } from './ocsp-request.js';
export { BasicOcspResponse, OcspResponse, type OcspResponderId } from './ocsp-response.js';
export { OCSP_RESPONSE_STATUSES, type OcspErrorStatus, type OcspResponseStatus } from './response-status.js';
export type { OcspCertStatus, OcspSingleResponse } from './single-response.js';
export { buildOcspRequest, type BuildOcspRequestInput } from './build-request.js';
export {
  buildOcspErrorResponse,
  buildOcspResponse,
  type BuildOcspResponseInput,
  type OcspSingleResponseInput,
} from './build-response.js';
export { verifyOcspResponseSignature } from './verify.js';
