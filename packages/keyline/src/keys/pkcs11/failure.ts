import { KeylineError, isKeylineError } from '@keyline/core';
import { ckrName } from './pkcs11js.js';

// PKCS#11 v2.40 section 5.1 (C_Login) and 3.6: the return values that mean the PIN is the problem.
const PIN_FAILURES = new Set([
  'CKR_PIN_INCORRECT',
  'CKR_PIN_INVALID',
  'CKR_PIN_LEN_RANGE',
  'CKR_PIN_EXPIRED',
  'CKR_PIN_LOCKED',
]);

/**
 * A KeylineError for a failure of the token during `operation`: a PIN refusal is ERR_KEY_BAD_PIN,
 * anything else ERR_KEY_PKCS11 with the CKR_* name (never key material) in its detail. A
 * KeylineError passes through unchanged.
 */
export function pkcs11Failure(error: unknown, operation: string): KeylineError {
  if (isKeylineError(error)) return error;
  const ckr = ckrName(error);
  if (ckr !== undefined && PIN_FAILURES.has(ckr)) {
    return new KeylineError('ERR_KEY_BAD_PIN', `the token refused the PIN (${ckr})`, { ckr });
  }
  const reason = ckr ?? (error instanceof Error ? error.message : String(error));
  return new KeylineError(
    'ERR_KEY_PKCS11',
    `PKCS#11 ${operation} failed: ${reason}`,
    ckr === undefined ? {} : { ckr },
    {
      cause: error,
    },
  );
}
