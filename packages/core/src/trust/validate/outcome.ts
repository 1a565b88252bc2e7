import type { ErrorCode } from '../../errors/registry.js';
import { isKeylineError } from '../../errors/keyline-error.js';

/** A check that passed, or the reason it did not: results are reasons, never bare booleans. */
export type Check = { readonly ok: true } | Refusal;

/** Why a check failed. */
export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export const PASS: Check = Object.freeze({ ok: true });

export function refuse(code: ErrorCode, message: string): Refusal {
  return { ok: false, code, message };
}

/**
 * Runs `step`, turning a thrown KeylineError (malformed input met on the way, such as an extension
 * that does not decode) into a refusal. Anything else is a bug and propagates.
 */
export function attempt<T>(step: () => T, context: string): { ok: true; value: T } | Refusal {
  try {
    return { ok: true, value: step() };
  } catch (error) {
    if (isKeylineError(error)) return refuse(error.code, `${context}: ${error.message}`);
    throw error;
  }
}
