import { createConnection, type Socket } from 'node:net';
import { fail, KeylineError } from '@keyline/core';
import { DEFAULT_RESPONSE_TIMEOUT_MS, withTimeout } from '../command-port.js';
import { RESPONSE_OVERHEAD } from '../frame/response-frame.js';
import { ByteReader } from './byte-reader.js';
import {
  checkAddress,
  checkSerialHex,
  encodeHello,
  HELLO_BAD_IMAGE,
  HELLO_NO_CHIP,
  HELLO_OK,
  type SocketAddress,
} from './socket-protocol.js';
import type { Transport } from './transport.js';

export interface SocketTransportOptions extends SocketAddress {
  /** The chip of the tray to talk to. */
  readonly serialHex: string;
  /** How long to wait for each answer (default 2 s). */
  readonly timeoutMs?: number;
}

/**
 * Frames to a chip served by `serveTray` over a Unix domain socket or loopback TCP. Connects on first
 * use and again after a timeout or a dropped connection (a late answer must not be taken for the next
 * one). One frame at a time.
 */
export class SocketTransport implements Transport {
  readonly #options: SocketTransportOptions;
  readonly #timeoutMs: number;
  #connection: { socket: Socket; reader: ByteReader } | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: SocketTransportOptions) {
    checkAddress(options);
    checkSerialHex(options.serialHex);
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  }

  /** Connects and selects the chip now, so that a missing chip or server shows at once. */
  async open(): Promise<void> {
    await this.#exclusive(() => this.#connect());
  }

  transact(frame: Uint8Array): Promise<Uint8Array> {
    const copy = new Uint8Array(frame);
    return this.#exclusive(async () => {
      const { socket, reader } = await this.#connect();
      try {
        socket.write(copy);
        return await withTimeout(this.#readResponse(reader), this.#timeoutMs);
      } catch (error) {
        this.#drop();
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#drop();
  }

  #exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(run, run);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #drop(): void {
    this.#connection?.socket.destroy();
    this.#connection = undefined;
  }

  async #readResponse(reader: ByteReader): Promise<Uint8Array> {
    const [count] = await reader.read(1);
    if (count === undefined || count < RESPONSE_OVERHEAD + 1)
      fail('ERR_SE_BAD_RESPONSE', 'response count is too small');
    const rest = await reader.read(count - 1);
    const frame = new Uint8Array(count);
    frame[0] = count;
    frame.set(rest, 1);
    return frame;
  }

  async #connect(): Promise<{ socket: Socket; reader: ByteReader }> {
    if (this.#closed) fail('ERR_SE_CLOSED');
    if (this.#connection !== undefined) return this.#connection;
    const { socketPath, port, host } = this.#options;
    const socket =
      socketPath !== undefined
        ? createConnection({ path: socketPath })
        : createConnection({ port: port!, host: host ?? '127.0.0.1' });
    socket.setNoDelay(true);
    const reader = new ByteReader(socket);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('error', (cause) =>
            reject(new KeylineError('ERR_SE_TRANSPORT', 'cannot connect to the element server', undefined, { cause })),
          );
        }),
        this.#timeoutMs,
      );
      socket.write(encodeHello(this.#options.serialHex));
      const [answer] = await withTimeout(reader.read(1), this.#timeoutMs);
      if (answer === HELLO_NO_CHIP) fail('ERR_SE_CHIP_NOT_FOUND');
      if (answer === HELLO_BAD_IMAGE) fail('ERR_SE_BAD_IMAGE', 'the server cannot use that chip image');
      if (answer !== HELLO_OK) fail('ERR_SE_TRANSPORT', 'the server refused the hello');
    } catch (error) {
      socket.destroy();
      throw error;
    }
    this.#connection = { socket, reader };
    return this.#connection;
  }
}
