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
    return this.transactNow(frame);
  }

  /**
   * The response at once when the chip answered at once (an idle chip in memory without a timing
   * model: no timer is set for it); otherwise a promise that times out as `transact` does.
   */
  transactNow(frame: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    // The processor decodes the frame at once, copying the command out: the caller's bytes are not kept.
    const response = this.#processor.processNow(frame, this.#session);
    if (response instanceof Uint8Array) return response;
    // Answered at once, a silent chip is waited for from now: its whole timeout.
    if (response === null) return this.#silent(performance.now());
    return this.#later(response, performance.now());
  }

  async #later(pending: Promise<Uint8Array | null>, started: number): Promise<Uint8Array> {
    const response = await withTimeout(pending, this.#timeoutMs);
    return response ?? this.#silent(started);
  }

  /** An element that does not answer: the host waits out its timeout. */
  async #silent(started: number): Promise<never> {
    await sleep(Math.max(0, this.#timeoutMs - (performance.now() - started)));
    return fail('ERR_SE_NOT_RESPONDING');
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
