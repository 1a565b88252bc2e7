import { fail } from '@keyline/core';
import type { AteccCommand } from './atecc/opcodes.js';

/**
 * How an element driver sends one ATECC command and gets its output back: over frames and a
 * transport (`FramedElement`), or straight into an emulated chip. `expectedLength` is the output the
 * command gives on success (1 for a command that only reports success), so that a status can be told
 * from data.
 */
export interface CommandPort {
  execute(command: AteccCommand, expectedLength: number): Promise<Uint8Array>;
  /**
   * As `execute`, but the output comes back synchronously when the command could run at once (an
   * emulated chip in process): a driver then sends a chip's many commands without a promise each.
   */
  executeNow?(command: AteccCommand, expectedLength: number): Uint8Array | Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Settles as `promise` does, or fails with ERR_SE_NOT_RESPONDING after `ms` milliseconds. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      try {
        fail('ERR_SE_NOT_RESPONDING');
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long a host waits for a chip by default. The slowest command of a real chip takes about 115 ms. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 2_000;
