export { KeylineError, isKeylineError, fail } from './keyline-error.js';
export { ERROR_REGISTRY, isErrorCode, type ErrorCode } from './registry.js';
export type { ErrorKind, ErrorSpec } from './spec.js';
