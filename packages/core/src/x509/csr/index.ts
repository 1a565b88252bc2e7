export { CertificationRequest } from './certification-request.js';
export type { CsrAttribute, CsrAttributes } from './attributes.js';
export { buildCsr, type BuildCsrInput } from './build.js';
export { verifyCsrSignature } from './verify.js';
