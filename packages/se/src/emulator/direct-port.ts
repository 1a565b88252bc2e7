import { fail, KeylineError } from '@keyline/core';
import type { AteccCommand } from '../atecc/opcodes.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, sleep, type CommandPort } from '../command-port.js';
import type { ChipSession } from './commands/index.js';
import type { ChipReply, EmulatedChip } from './chip.js';

/** A command in flight on a direct port: when it times out, and how to fail it then. */
interface InFlight {
  readonly deadline: number;
  readonly reject: (error: unknown) => void;
}

/** How often the watchdog looks at the deadlines: a hung command fails at most this late. */
const WATCH_TICK_MS = 10;

const inFlight = new Set<InFlight>();
let watchdog: NodeJS.Timeout | undefined;

function checkDeadlines(): void {
  const now = performance.now();
  for (const entry of inFlight) {
    if (now < entry.deadline) continue;
    inFlight.delete(entry);
    try {
      fail('ERR_SE_NOT_RESPONDING');
    } catch (error) {
      entry.reject(error);
    }
  }
  if (inFlight.size === 0) {
    clearInterval(watchdog);
    watchdog = undefined;
  }
}

/**
 * Settles as `promise` does, or fails with ERR_SE_NOT_RESPONDING once `deadline` (a
 * `performance.now()` time) has passed. An emulated chip answers in microseconds, and a line sends
 * some thirty commands per chip: one shared interval timer, running only while commands are in
 * flight, watches them all, instead of a timer set and cleared per command.
 */
function watched<T>(promise: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: InFlight = { deadline, reject };
    inFlight.add(entry);
    watchdog ??= setInterval(checkDeadlines, WATCH_TICK_MS);
    promise.then(
      (value) => {
        inFlight.delete(entry);
        resolve(value);
      },
      (error: unknown) => {
        inFlight.delete(entry);
        reject(error);
      },
    );
  });
}

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
    return this.executeNow(command, expectedLength);
  }

  /**
   * The command's output at once when the chip could run it at once (`EmulatedChip.executeNow`: a chip
   * in memory, idle, without a timing model); otherwise a promise, as `execute`. Errors are thrown.
   */
  executeNow(command: AteccCommand, expectedLength: number): Uint8Array | Promise<Uint8Array> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    const reply = this.#chip.executeNow(command, this.#session);
    // Answered at once, a silent chip is waited for from now: its whole timeout.
    if (reply === undefined) return this.#executeLater(command, expectedLength, performance.now());
    if (reply.kind === 'silent') return this.#silent(performance.now());
    return this.#outputOf(reply, expectedLength);
  }

  async #executeLater(command: AteccCommand, expectedLength: number, started: number): Promise<Uint8Array> {
    const reply = await watched(this.#chip.execute(command, this.#session), started + this.#timeoutMs);
    if (reply.kind === 'silent') return this.#silent(started);
    return this.#outputOf(reply, expectedLength);
  }

  /** A chip that does not answer: the host waits out its timeout. */
  async #silent(started: number): Promise<never> {
    await sleep(Math.max(0, this.#timeoutMs - (performance.now() - started)));
    return fail('ERR_SE_NOT_RESPONDING');
  }

  #outputOf(reply: Exclude<ChipReply, { kind: 'silent' }>, expectedLength: number): Uint8Array {
    if (reply.kind === 'error') throw new KeylineError(reply.error.code, reply.error.message);
    if (reply.garbled) fail('ERR_SE_CRC', 'response frame CRC mismatch');
    if (reply.output.length !== expectedLength) fail('ERR_SE_BAD_RESPONSE');
    return new Uint8Array(reply.output);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
