import { KeylineError } from '../../src/errors/keyline-error.js';

/**
 * The code of the KeylineError `fn` throws; `'no error'` when it returns, and a description of
 * anything else it throws (so that a raw TypeError fails the comparison with a code, readably).
 */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return error instanceof KeylineError ? error.code : `not a KeylineError: ${String(error)}`;
  }
  return 'no error';
}
