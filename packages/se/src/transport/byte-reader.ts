import type { Socket } from 'node:net';
import { KeylineError } from '@keyline/core';

/** Reads exact byte counts from a socket as they arrive; fails pending reads when the socket ends. */
export class ByteReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #pending: { length: number; resolve: (bytes: Uint8Array) => void; reject: (error: unknown) => void } | undefined;
  #ended: KeylineError | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      this.#fulfil();
    });
    const end = (): void => {
      this.#ended ??= new KeylineError('ERR_SE_TRANSPORT', 'the connection to the element closed');
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.reject(this.#ended);
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  get buffered(): number {
    return this.#buffered;
  }

  read(length: number): Promise<Uint8Array> {
    if (this.#pending !== undefined) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => {
      this.#pending = { length, resolve, reject };
      this.#fulfil();
      if (this.#pending !== undefined && this.#ended !== undefined) {
        this.#pending = undefined;
        reject(this.#ended);
      }
    });
  }

  #fulfil(): void {
    const pending = this.#pending;
    if (pending === undefined || this.#buffered < pending.length) return;
    const all = Buffer.concat(this.#chunks);
    this.#chunks = all.length > pending.length ? [all.subarray(pending.length)] : [];
    this.#buffered = all.length - pending.length;
    this.#pending = undefined;
    pending.resolve(new Uint8Array(all.subarray(0, pending.length)));
  }
}
