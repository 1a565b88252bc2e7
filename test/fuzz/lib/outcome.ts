import { KeylineError } from '../../../packages/core/src/errors/keyline-error.js';

/**
 * What a parser did with one input. `accepted` and `rejected` (a KeylineError with a code) are
 * the only acceptable outcomes; `foreign` (any other throw, or a broken result contract) is a bug.
 */
export type Outcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'rejected'; readonly code: string }
  | { readonly kind: 'foreign'; readonly error: unknown };

/**
 * A parser under test. It returns normally for an accepted input, or a string code when the API
 * reports refusals as results (verifyChain's `{ ok: false, code }`), or throws a KeylineError.
 */
export type ParseFn = (input: Uint8Array) => unknown;

/** Result-style targets return this to report a refusal without throwing. */
export class Refusal {
  constructor(readonly code: string) {}
}

function judge(value: unknown): Outcome {
  return value instanceof Refusal ? { kind: 'rejected', code: value.code } : { kind: 'accepted' };
}

function judgeError(error: unknown, throwsAreBugs: boolean): Outcome {
  if (error instanceof KeylineError && !throwsAreBugs) return { kind: 'rejected', code: error.code };
  return { kind: 'foreign', error };
}

/** Runs `parse` on `input` and classifies what happened, with the wall time it took. */
export async function runOne(
  parse: ParseFn,
  input: Uint8Array,
  throwsAreBugs = false,
): Promise<{ outcome: Outcome; ms: number }> {
  const start = performance.now();
  let outcome: Outcome;
  try {
    const value = parse(input);
    outcome = value instanceof Promise ? judge(await value) : judge(value);
  } catch (error) {
    outcome = judgeError(error, throwsAreBugs);
  }
  return { outcome, ms: performance.now() - start };
}

/** A short description of a foreign error for the summary. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}
