import { isKeylineError } from '@keyline/core';

/**
 * The code of the KeylineError `fn` throws; undefined when it returns, and `raw:` with a description
 * of anything else it throws (so that a raw error fails the comparison with a code, readably).
 */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isKeylineError(error) ? error.code : `raw:${String(error)}`;
  }
}
