import { KeylineError, isKeylineError } from '@keyline/core';
import { ckrName } from './module.js';

// PKCS#11 v2.40 section 5.1: the return values of C_Login that mean the PIN is the problem.
const PIN_FAILURES = new Set([
  'CKR_PIN_INCORRECT',
  'CKR_PIN_INVALID',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_EXPIRED',
  'CKR_PIN_LOCKED',
]);
// A key whose attributes forbid the mechanism (CKA_SIGN or CKA_DERIVE false), PKCS#11 v2.40 section 5.1.
const NOT_PERMITTED = new Set(['CKR_KEY_FUNCTION_NOT_PERMITTED', 'CKR_KEY_TYPE_INCONSISTENT']);
// The peer's point was refused by the token.
const BAD_POINT = new Set(['CKR_MECHANISM_PARAM_INVALID', 'CKR_ARGUMENTS_BAD', 'CKR_DOMAIN_PARAMS_INVALID']);

/**
 * The KeylineError for a failure of the token during `operation`: the CKR_* name (never key material)
 * goes into the message and detail. A KeylineError passes through unchanged.
 */
export function tokenFailure(error: unknown, operation: string, peerPoint = false): KeylineError {
  if (isKeylineError(error)) return error;
  const ckr = ckrName(error);
  const detail = ckr === undefined ? {} : { ckr };
  if (ckr !== undefined && PIN_FAILURES.has(ckr))
    return new KeylineError('ERR_SE_BAD_PIN', `the token refused the PIN (${ckr})`, detail);
  if (ckr !== undefined && NOT_PERMITTED.has(ckr))
    return new KeylineError('ERR_SE_PERMISSION_DENIED', `the token refused ${operation} (${ckr})`, detail);
  if (peerPoint && ckr !== undefined && BAD_POINT.has(ckr))
    return new KeylineError('ERR_SE_BAD_PUBLIC_KEY', `the token refused the peer point (${ckr})`, detail);
  const reason = ckr ?? (error instanceof Error ? error.message : String(error));
  return new KeylineError('ERR_SE_PKCS11', `PKCS#11 ${operation} failed: ${reason}`, detail, { cause: error });
}
