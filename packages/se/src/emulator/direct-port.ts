import { fail, KeylineError } from '@keyline/core';
import type { AteccCommand } from '../atecc/opcodes.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, sleep, withTimeout, type CommandPort } from '../command-port.js';
import type { ChipSession } from './commands/index.js';
import type { EmulatedChip } from './chip.js';

/**
 * Commands handed straight to an emulated chip, without framing: the fastest way to use the
 * emulator in process. Replies are interpreted as a driver would interpret the same frames, so the
 * element behaves the same either way (a silent chip times out, a garbled answer is a CRC error).
 */
export class DirectCommandPort implements CommandPort {
  readonly #chip: EmulatedChip;
  readonly #session: ChipSession;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(chip: EmulatedChip, options: { timeoutMs?: number } = {}) {
    this.#chip = chip;
    this.#session = chip.openSession();
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  }

  async execute(command: AteccCommand, expectedLength: number): Promise<Uint8Array> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    const started = performance.now();
    const reply = await withTimeout(this.#chip.execute(command, this.#session), this.#timeoutMs);
    switch (reply.kind) {
      case 'silent':
        await sleep(Math.max(0, this.#timeoutMs - (performance.now() - started)));
        return fail('ERR_SE_NOT_RESPONDING');
      case 'error':
        throw new KeylineError(reply.error.code, reply.error.message);
      case 'output':
        if (reply.garbled) fail('ERR_SE_CRC', 'response frame CRC mismatch');
        if (reply.output.length !== expectedLength) fail('ERR_SE_BAD_RESPONSE');
        return new Uint8Array(reply.output);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
