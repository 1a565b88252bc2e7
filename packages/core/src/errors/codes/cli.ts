import type { ErrorSpec } from '../spec.js';

/** Failures at the command-line edge. */
export const CLI_ERRORS = {
  ERR_CLI_UNREADABLE_FILE: { message: 'a file named on the command line cannot be read', kind: 'input' },
  ERR_CLI_BAD_OPTION: { message: 'an option value is not valid', kind: 'input' },
} as const satisfies Record<string, ErrorSpec>;
