/**
 * Path building and RFC 5280 section 6 validation: `verifyChain` and what it is made of.
 */
export { verifyChain, verifyChainSync, DEFAULT_MAX_DEPTH } from './verify-chain.js';
export type {
  CertificateInput,
  CrlInput,
  PathPolicyOutput,
  PolicyInputs,
  Purpose,
  VerifyChainFailure,
  VerifyChainOptions,
  VerifyChainResult,
  VerifyChainSuccess,
  VerifyProfile,
} from './types.js';
export { certificatesFrom, crlsFrom, validationTime } from './inputs.js';
export { ValidationCache, DEFAULT_VALIDATION_CACHE_ENTRIES } from './cache/index.js';
export type { ValidationCacheOptions, ValidationCacheStats } from './cache/index.js';
export { DEFAULT_WORK_BUDGET } from './build/work-budget.js';
export { MAX_PATH_CERTIFICATES } from './build/path-builder.js';
export * from './device/index.js';
