import { readFileSync } from 'node:fs';
import { KeylineError } from '@keyline/core';

/** What a command writes to; injected so tests can run commands in process and read their output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress bars only then). */
  readonly isTty: boolean;
  /**
   * Whether a passphrase may be asked for on the process's terminal (when stdin is one). Only the
   * real process io says so; an io made by a test never lets a command wait on a prompt.
   */
  readonly interactive?: boolean;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTty: Boolean(process.stdout.isTTY),
  interactive: true,
};

/** Reads a file for a command; an unreadable file is a usage error (exit 2), not a crash. */
export function readInputFile(path: string): Buffer {
  try {
    return path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (cause) {
    const reason =
      cause instanceof Error && 'code' in cause ? String((cause as NodeJS.ErrnoException).code) : 'unreadable';
    throw new KeylineError('ERR_CLI_UNREADABLE_FILE', `cannot read ${path} (${reason})`, { path });
  }
}
