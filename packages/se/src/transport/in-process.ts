import { fail } from '@keyline/core';
import { DEFAULT_RESPONSE_TIMEOUT_MS, sleep, withTimeout } from '../command-port.js';
import type { ChipSession } from '../emulator/commands/index.js';
import type { CommandProcessor } from '../emulator/processor.js';
import type { Transport } from './transport.js';

/** Frames handed to an emulator's command processor in the same process, as bytes, with one session. */
export class InProcessTransport implements Transport {
  readonly #processor: CommandProcessor;
  readonly #session: ChipSession;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(processor: CommandProcessor, options: { timeoutMs?: number } = {}) {
    this.#processor = processor;
    this.#session = processor.openSession();
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  }

  async transact(frame: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    const started = performance.now();
    const response = await withTimeout(this.#processor.process(new Uint8Array(frame), this.#session), this.#timeoutMs);
    if (response === null) {
      await sleep(Math.max(0, this.#timeoutMs - (performance.now() - started)));
      fail('ERR_SE_NOT_RESPONDING');
    }
    return response;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
