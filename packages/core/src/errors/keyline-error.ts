import { ERROR_REGISTRY, type ErrorCode } from './registry.js';

/**
 * The one error family of Keyline. Every failure that a caller can act on carries a stable,
 * machine-readable `code` (listed in the registry) and a human message. Programmer misuse
 * (a wrong argument type) stays a `TypeError`.
 */
export class KeylineError extends Error {
  readonly code: ErrorCode;
  /** Optional structured detail, safe to show (never key material). */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, detail?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message ?? ERROR_REGISTRY[code].message, options);
    this.name = 'KeylineError';
    this.code = code;
    this.detail = detail;
  }

  toJSON(): { code: ErrorCode; message: string; detail?: Readonly<Record<string, unknown>> } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

export function isKeylineError(value: unknown, code?: ErrorCode): value is KeylineError {
  return value instanceof KeylineError && (code === undefined || value.code === code);
}

/** Throws a KeylineError; typed `never` so it can end an expression. */
export function fail(code: ErrorCode, message?: string, detail?: Record<string, unknown>): never {
  throw new KeylineError(code, message, detail);
}
