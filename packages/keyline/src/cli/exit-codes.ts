import { ERROR_REGISTRY, isErrorCode, isKeylineError, type ErrorKind } from '@keyline/core';

/** CLI exit codes, one contract for every command. */
export const ExitCode = {
  /** Done; a positive answer. */
  OK: 0,
  /** A negative answer: refused, invalid, findings of error severity. */
  NEGATIVE: 1,
  /** Bad usage or unreadable input. */
  USAGE: 2,
  /** Internal error. */
  INTERNAL: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Maps a thrown error to an exit code through the error registry's kinds. */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (!isKeylineError(error) || !isErrorCode(error.code)) return ExitCode.INTERNAL;
  const kind = ERROR_REGISTRY[error.code].kind as ErrorKind;
  switch (kind) {
    case 'input':
      return ExitCode.USAGE;
    case 'internal':
      return ExitCode.INTERNAL;
    default:
      return ExitCode.NEGATIVE;
  }
}
