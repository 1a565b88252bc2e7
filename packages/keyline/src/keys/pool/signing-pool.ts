import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { hashBytes } from '@keyline/core';
import { MAX_SIGNING_THREADS } from '../../ca/service-port.js';

/**
 * A pool of worker threads that sign with one software key: a CA signing service uses the
 * machine's cores while its main thread builds, lints and records (ca/issuance-cycle.ts signs a
 * batch's next chunk here while it persists the chunk after). Each worker holds the KeyObject
 * (passed by structured clone: the key never exists as bytes outside OpenSSL) and answers a list
 * of messages with their signatures, `crypto.sign(hash, message, key)` each, made once, and the
 * SHA-256 of each message it signed, which the pool checks against the messages it sent.
 *
 * The workers are started on first use and do not keep the process alive while idle. A worker
 * that fails (throws, exits) rejects every request it holds; the next request starts a new one.
 */
export interface SigningPool {
  /** How many threads sign. */
  readonly threads: number;
  /** Signs each message exactly once; the signatures in the order of `messages`. */
  signMany(messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Stops the workers; requests still running are rejected. */
  close(): Promise<void>;
}

const MISMATCH = 'a signing worker answered signatures that are not of the messages sent';

export { MAX_SIGNING_THREADS };

/** The worker's program (CommonJS, evaluated: no file to resolve, the same under tsx and built). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash, sign } = require('node:crypto');
const { key, hash } = workerData;
parentPort.on('message', (job) => {
  try {
    const data = new Uint8Array(job.data);
    const signatures = [];
    const digests = new Uint8Array(job.ends.length * 32);
    let total = 0;
    for (let i = 0, from = 0; i < job.ends.length; from = job.ends[i++]) {
      const message = data.subarray(from, job.ends[i]);
      const signature = sign(hash, message, key);
      digests.set(createHash('sha256').update(message).digest(), i * 32);
      signatures.push(signature);
      total += signature.length;
    }
    const out = new Uint8Array(total);
    const ends = new Uint32Array(signatures.length);
    for (let i = 0, at = 0; i < signatures.length; i++) {
      out.set(signatures[i], at);
      at += signatures[i].length;
      ends[i] = at;
    }
    parentPort.postMessage({ id: job.id, data: out.buffer, ends, digests }, [out.buffer, digests.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String((error && error.message) || error) });
  }
});
`;

/** A worker's answer: the signatures and the SHA-256 of each message signed, 32 octets each. */
export interface WorkerAnswer {
  readonly signatures: readonly Uint8Array[];
  readonly digests: Uint8Array;
}

type Signed = WorkerAnswer;

/**
 * The signatures of `messages` from the answers to their slices, in order, each checked to be of
 * the message sent in its place: a worker that answered another message's signature (or too few)
 * fails the request instead of putting a signature on the wrong certificate.
 */
export function matchSignatures(messages: readonly Uint8Array[], answers: readonly WorkerAnswer[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const answer of answers) {
    if (answer.digests.length !== answer.signatures.length * 32) throw new Error(MISMATCH);
    for (let i = 0; i < answer.signatures.length; i++) {
      const sent = messages[out.length];
      if (sent === undefined) throw new Error(MISMATCH);
      if (Buffer.compare(hashBytes('sha256', sent), answer.digests.subarray(i * 32, i * 32 + 32)) !== 0)
        throw new Error(MISMATCH);
      out.push(answer.signatures[i]!);
    }
  }
  if (out.length !== messages.length) throw new Error(MISMATCH);
  return out;
}

interface Pending {
  resolve(signed: Signed): void;
  reject(error: Error): void;
}

/**
 * Messages travel packed: one ArrayBuffer holding them end to end (transferred, not copied) and
 * where each ends. Posting a typed array copies its whole underlying buffer, and a TBS is often a
 * view into a larger one (the device template cuts them from slabs), so views are never posted.
 */
interface Packed {
  readonly data: ArrayBuffer;
  readonly ends: Uint32Array;
}

interface Reply extends Partial<Packed> {
  readonly id: number;
  /** SHA-256 of each message the worker signed, in order (checked against what was sent). */
  readonly digests?: Uint8Array;
  readonly error?: string;
}

function pack(messages: readonly Uint8Array[]): Packed {
  let total = 0;
  for (const m of messages) total += m.length;
  const out = new Uint8Array(total);
  const ends = new Uint32Array(messages.length);
  for (let i = 0, at = 0; i < messages.length; i++) {
    out.set(messages[i]!, at);
    at += messages[i]!.length;
    ends[i] = at;
  }
  return { data: out.buffer, ends };
}

function unpack(packed: Packed): Uint8Array[] {
  const all = new Uint8Array(packed.data);
  const out: Uint8Array[] = new Array(packed.ends.length);
  for (let i = 0, from = 0; i < packed.ends.length; from = packed.ends[i++]!) {
    out[i] = all.subarray(from, packed.ends[i]);
  }
  return out;
}

/** One worker and the requests it holds. */
class SigningThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #failed: Error | undefined;

  constructor(key: KeyObject, hash: string | null, onFailure: (thread: SigningThread) => void) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { key, hash } });
    this.#worker.unref();
    this.#worker.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id);
      if (pending === undefined) return;
      this.#settled(reply.id);
      if (reply.data === undefined || reply.ends === undefined || reply.digests === undefined) {
        pending.reject(new Error(`a signing worker failed: ${reply.error ?? 'no answer'}`));
      } else {
        pending.resolve({ signatures: unpack({ data: reply.data, ends: reply.ends }), digests: reply.digests });
      }
    });
    const fail = (error: Error): void => {
      this.#failed ??= error;
      onFailure(this);
      for (const [id, pending] of this.#pending) {
        this.#settled(id);
        pending.reject(error);
      }
    };
    this.#worker.on('error', (error) => fail(new Error(`a signing worker failed: ${error.message}`, { cause: error })));
    this.#worker.on('exit', (code) => fail(new Error(`a signing worker exited (code ${code})`)));
  }

  get failed(): boolean {
    return this.#failed !== undefined;
  }

  sign(messages: readonly Uint8Array[]): Promise<Signed> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const id = this.#nextId++;
    return new Promise<Signed>((resolve, reject) => {
      // Held while it signs: a process waiting for signatures must not exit for lack of work.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      const packed = pack(messages);
      this.#worker.postMessage({ id, ...packed }, [packed.data]);
    });
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}

/**
 * A pool of `threads` workers signing with `key` (`hash`: 'sha256', 'sha384', … for ECDSA; null
 * for Ed25519). A request is split into one contiguous slice per thread.
 */
export function createSigningPool(key: KeyObject, hash: string | null, threads: number): SigningPool {
  if (key?.type !== 'private') throw new TypeError('a signing pool needs a private KeyObject');
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_SIGNING_THREADS) {
    throw new RangeError(`a signing pool has 1 to ${MAX_SIGNING_THREADS} threads`);
  }
  const slots: (SigningThread | undefined)[] = new Array(threads).fill(undefined);
  let closed = false;
  const thread = (k: number): SigningThread => {
    let t = slots[k];
    if (t === undefined || t.failed) {
      t = new SigningThread(key, hash, (failed) => {
        if (slots[k] === failed) slots[k] = undefined;
      });
      slots[k] = t;
    }
    return t;
  };
  return {
    threads,
    async signMany(messages) {
      if (closed) throw new Error('the signing pool is closed');
      if (messages.length === 0) return [];
      const per = Math.ceil(messages.length / threads);
      const parts: Promise<Signed>[] = [];
      for (let k = 0, from = 0; from < messages.length; k++, from += per) {
        parts.push(thread(k).sign(messages.slice(from, from + per)));
      }
      return matchSignatures(messages, await Promise.all(parts));
    },
    async close() {
      closed = true;
      const running = slots.splice(0).filter((t): t is SigningThread => t !== undefined);
      await Promise.all(running.map((t) => t.close()));
    },
  };
}
