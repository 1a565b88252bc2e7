import { fail, KeylineError } from '@keyline/core';
import { DEFAULT_RESPONSE_TIMEOUT_MS, sleep, withTimeout } from '../command-port.js';
import { isFrameAnswer, type FrameAnswer, type FramePort } from './port-protocol.js';
import type { Transport } from './transport.js';

/**
 * The host's end of a port to a thread that holds chips (port-protocol.ts): matches answers to
 * requests by id, for every `PortTransport` opened on it. When the thread goes away (`fail`), every
 * pending and later request fails with ERR_SE_TRANSPORT.
 */
export class FramePortClient {
  readonly #port: FramePort;
  readonly #pending = new Map<number, { resolve: (a: FrameAnswer) => void; reject: (e: unknown) => void }>();
  readonly #listener = (message: unknown): void => {
    if (!isFrameAnswer(message)) return;
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return; // answered after its timeout: dropped
    this.#pending.delete(message.id);
    pending.resolve(message);
  };
  #nextId = 1;
  #nextSession = 1;
  #failure: KeylineError | undefined;

  constructor(port: FramePort) {
    this.#port = port;
    port.on('message', this.#listener);
  }

  /** A transport to one chip, with a session of its own. */
  transport(serialHex: string, options: { timeoutMs?: number } = {}): PortTransport {
    return new PortTransport(this, serialHex, this.#nextSession++, options.timeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS);
  }

  /** Sends one frame; its answer. */
  request(serialHex: string, session: number, frame: Uint8Array): { answer: Promise<FrameAnswer>; cancel(): void } {
    if (this.#failure !== undefined) return { answer: Promise.reject(this.#failure), cancel: () => undefined };
    const id = this.#nextId++;
    const answer = new Promise<FrameAnswer>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.#port.postMessage({ kind: 'se-frame', id, serialHex, session, frame });
    return { answer, cancel: () => this.#pending.delete(id) };
  }

  endSession(session: number): void {
    if (this.#failure === undefined) this.#port.postMessage({ kind: 'se-session-end', session });
  }

  /** The thread is gone: every request waiting and every later one fails with ERR_SE_TRANSPORT. */
  fail(message = 'the thread holding the element stopped'): void {
    this.#failure ??= new KeylineError('ERR_SE_TRANSPORT', message);
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }

  /** Stops listening on the port (the port itself is its owner's to close). */
  detach(): void {
    this.#port.off('message', this.#listener);
    this.fail('the port to the element was closed');
  }
}

/**
 * Frames to one chip held by another thread, over a `FramePortClient`: the in-machine analogue of
 * `SocketTransport`. A chip that does not answer times out (ERR_SE_NOT_RESPONDING); a thread that
 * stops fails the frame (ERR_SE_TRANSPORT).
 */
export class PortTransport implements Transport {
  readonly #client: FramePortClient;
  readonly #serialHex: string;
  readonly #session: number;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(client: FramePortClient, serialHex: string, session: number, timeoutMs: number) {
    this.#client = client;
    this.#serialHex = serialHex;
    this.#session = session;
    this.#timeoutMs = timeoutMs;
  }

  async transact(frame: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    const started = performance.now();
    const { answer, cancel } = this.#client.request(this.#serialHex, this.#session, new Uint8Array(frame));
    let reply: FrameAnswer;
    try {
      reply = await withTimeout(answer, this.#timeoutMs);
    } catch (error) {
      cancel();
      throw error;
    }
    if (reply.error !== undefined) throw new KeylineError(reply.error.code as never, reply.error.message);
    if (reply.frame === null) {
      // A silent chip: the host finds out only when its wait runs out.
      await sleep(Math.max(0, this.#timeoutMs - (performance.now() - started)));
      fail('ERR_SE_NOT_RESPONDING');
    }
    return reply.frame;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.endSession(this.#session);
  }
}
