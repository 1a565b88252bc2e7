import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fail, KeylineError } from '@keyline/core';
import { FramedElement, FramePortClient, type SecureElement } from '@keyline/se';
import {
  isStationReply,
  type ChipOutcome,
  type FinishItem,
  type StationOpen,
  type StationReply,
} from './station-protocol.js';

/** A request to a thread (station-protocol.ts), before or after its id is given. */
type StationMessage = { readonly kind: string } & Record<string, unknown>;

/** Chips per finish message: the line journals a group done as soon as its outcomes are back. */
const FINISH_GROUP = 32;

/** The outcome of every chip a stopped station thread was working on. */
const STOPPED: ChipOutcome = { ok: false, code: 'ERR_SE_TRANSPORT', reason: 'the station thread stopped' };

/**
 * A station thread's heap: a young generation large enough that most of a chip's short-lived objects
 * (commands, frames, certificate pieces) die before a scavenge has to copy them.
 */
const HEAP = { maxYoungGenerationSizeMb: 64 };

/** The station thread's entry: compiled JavaScript, or this TypeScript source under tsx (tests, benchmarks). */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./station-thread.js', here), { resourceLimits: HEAP });
  // From source: the thread registers tsx's loader first, then imports the TypeScript entry.
  const api = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
  const entry = new URL('./station-thread.ts', here).href;
  const code =
    `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })` +
    '.catch((error) => { setImmediate(() => { throw error; }); });';
  return new Worker(code, { eval: true, resourceLimits: HEAP });
}

/** One station thread: its worker, its requests in flight, the frame client of its chips. */
class StationThread {
  readonly worker: Worker;
  readonly frames: FramePortClient;
  readonly ready: Promise<void>;
  readonly #pending = new Map<number, { resolve: (r: StationReply) => void; reject: (e: unknown) => void }>();
  #stopped: Error | undefined;

  constructor() {
    this.worker = startWorker();
    this.frames = new FramePortClient(this.worker);
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if ((message as { kind?: unknown } | null)?.kind === 'station-ready') resolve();
        else if (isStationReply(message)) {
          const pending = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          pending?.resolve(message);
        }
      };
      this.worker.on('message', onMessage);
      const stop = (error: Error): void => {
        this.#stopped ??= error;
        this.frames.fail();
        for (const pending of this.#pending.values()) pending.reject(this.#stopped);
        this.#pending.clear();
        reject(this.#stopped);
      };
      this.worker.on('error', (error) => stop(new StationStopped(`the station thread failed: ${error.message}`)));
      this.worker.on('exit', (code) => stop(new StationStopped(`the station thread exited (${code})`)));
    });
    this.ready.catch(() => undefined);
  }

  get stopped(): boolean {
    return this.#stopped !== undefined;
  }

  request(message: StationMessage & { id: number }): Promise<StationReply> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      this.#pending.set(message.id, { resolve, reject });
      this.worker.postMessage(message);
    });
  }
}

/** A station thread that went away (exited, crashed, terminated). */
class StationStopped extends Error {}

/** The error a thread sent back, as the line would have thrown it in process. */
function replyError(reply: StationReply): Error {
  const e = reply.error!;
  if (e.code !== undefined) {
    try {
      return new KeylineError(e.code as never, e.message);
    } catch {
      // not a registered code: a plain error below
    }
  }
  return new Error(`station thread: ${e.message}`);
}

/**
 * The line's station threads (station-thread.ts): started once and kept across batches (a line runs
 * batch after batch; a thread's start costs tens of milliseconds compiled, more from source), opened
 * for each batch's chip source and chain. Each chip belongs to one thread (by serial), which holds it
 * for the batch. A thread that stops fails the chips it was working on (ERR_SE_TRANSPORT: the line
 * quarantines them) and is replaced for the rest of the batch.
 */
export class StationPool {
  readonly #threads: StationThread[];
  #open: Omit<StationOpen, 'id'> | undefined;
  #nextId = 1;
  #closed = false;

  private constructor(threads: StationThread[]) {
    this.#threads = threads;
  }

  /** Starts `threads` station threads and waits until they listen. */
  static async start(threads: number): Promise<StationPool> {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new TypeError('threads must be a positive integer');
    const started = Array.from({ length: threads }, () => new StationThread());
    try {
      await Promise.all(started.map((t) => t.ready));
    } catch (error) {
      await Promise.all(started.map((t) => t.worker.terminate()));
      throw error;
    }
    return new StationPool(started);
  }

  get size(): number {
    return this.#threads.length;
  }

  /**
   * The thread that holds a chip: fixed by its serial, so every request for it goes to the same one.
   * A hash of the whole serial (FNV-1a): an ATECC serial's first two and last octets are the same on
   * every chip.
   */
  indexOf(serialHex: string): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < serialHex.length; i++) hash = Math.imul(hash ^ serialHex.charCodeAt(i), 0x01000193);
    return (hash >>> 0) % this.#threads.length;
  }

  /** Opens a batch's source and chain in every thread. */
  async open(config: Omit<StationOpen, 'kind' | 'id' | 'concurrency'> & { readonly stations: number }): Promise<void> {
    const { stations, ...rest } = config;
    this.#open = { kind: 'station-open', ...rest, concurrency: Math.max(1, Math.ceil(stations / this.size)) };
    await Promise.all(this.#threads.map((_, i) => this.#openThread(i)));
  }

  async #openThread(index: number): Promise<StationThread> {
    if (this.#closed) fail('ERR_SE_CLOSED', 'the station pool is closed');
    let thread = this.#threads[index]!;
    if (thread.stopped) {
      // Replaced: the new thread opens the batch's source again (chips kept in files carry on).
      thread = new StationThread();
      this.#threads[index] = thread;
      await thread.ready;
      if (this.#open !== undefined) await this.#send(thread, { ...this.#open, id: this.#nextId++ });
      return thread;
    }
    if (this.#open !== undefined) await this.#send(thread, { ...this.#open, id: this.#nextId++ });
    return thread;
  }

  async #send(thread: StationThread, message: StationMessage & { id: number }): Promise<StationReply> {
    const reply = await thread.request(message);
    if (reply.error !== undefined) throw replyError(reply);
    return reply;
  }

  async #thread(index: number): Promise<StationThread> {
    const thread = this.#threads[index]!;
    return thread.stopped ? this.#openThread(index) : thread;
  }

  /** Outcomes of one request of chips to one thread; a stopped thread fails them all. */
  async #chips(index: number, message: StationMessage, count: number): Promise<ChipOutcome[]> {
    let reply: StationReply;
    try {
      reply = await this.#send(await this.#thread(index), { ...message, id: this.#nextId++ });
    } catch (error) {
      if (error instanceof StationStopped || (error as { code?: string }).code === 'ERR_SE_TRANSPORT') {
        return new Array<ChipOutcome>(count).fill(STOPPED);
      }
      throw error;
    }
    if (reply.outcomes?.length !== count)
      fail('ERR_FACTORY_JOURNAL_STATE', 'a station thread answered the wrong count');
    return [...reply.outcomes];
  }

  /** Splits items by thread: per thread, the items and their positions. */
  #byThread<T>(items: readonly T[], serialOf: (item: T) => string): { items: T[]; at: number[] }[] {
    const parts = this.#threads.map(() => ({ items: [] as T[], at: [] as number[] }));
    items.forEach((item, i) => {
      const part = parts[this.indexOf(serialOf(item))]!;
      part.items.push(item);
      part.at.push(i);
    });
    return parts;
  }

  /** Makes the identity key of each chip; outcomes in the order of `serials`. */
  async makeKeys(serials: readonly string[]): Promise<ChipOutcome[]> {
    const out = new Array<ChipOutcome>(serials.length);
    const parts = this.#byThread(serials, (s) => s);
    await settleAll(
      parts.map(async (part, index) => {
        if (part.items.length === 0) return;
        const outcomes = await this.#chips(index, { kind: 'station-keys', serials: part.items }, part.items.length);
        part.at.forEach((i, k) => (out[i] = outcomes[k]!));
      }),
    );
    return out;
  }

  /**
   * Writes, locks and checks each chip, in groups; `onGroup` gets each group's items and outcomes as
   * they come back (the line journals them). Resolves when every group is back and handled.
   */
  async finish(
    items: readonly FinishItem[],
    onGroup: (items: readonly FinishItem[], outcomes: readonly ChipOutcome[]) => Promise<void>,
  ): Promise<void> {
    const groups: Promise<void>[] = [];
    this.#byThread(items, (item) => item.serialHex).forEach((part, index) => {
      for (let i = 0; i < part.items.length; i += FINISH_GROUP) {
        const group = part.items.slice(i, i + FINISH_GROUP);
        groups.push(
          this.#chips(index, { kind: 'station-finish', items: group }, group.length).then((o) => onGroup(group, o)),
        );
      }
    });
    await settleAll(groups);
  }

  /** A `SecureElement` on a chip held by its station thread (framed commands over the thread's port). */
  element(serialHex: string, options: { timeoutMs?: number } = {}): SecureElement {
    const thread = this.#threads[this.indexOf(serialHex)]!;
    return new FramedElement(thread.frames.transport(serialHex, options));
  }

  /** Releases the batch's source in every thread (writes out deferred chip changes). */
  async closeSource(): Promise<void> {
    this.#open = undefined;
    await settleAll(
      this.#threads.map(async (thread) => {
        if (!thread.stopped) await this.#send(thread, { kind: 'station-close', id: this.#nextId++ });
      }),
    );
  }

  /**
   * Stops one thread at once, as a crash of it would (tests: the chips it was working on fail with
   * ERR_SE_TRANSPORT and the thread is replaced for the next request).
   */
  async stopThread(index: number): Promise<void> {
    await this.#threads[index]?.worker.terminate();
  }

  /** Stops every thread. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((t) => t.worker.terminate()));
  }
}

/** Waits for every promise; then throws the first failure, if any (so nothing is left running). */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(promises);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected !== undefined) throw rejected.reason;
}
