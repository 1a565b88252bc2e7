import { availableParallelism } from 'node:os';
import {
  Certificate,
  KeylineError,
  finishDeviceCheck,
  parseToken,
  type Certificate as CertificateType,
  type CertificateInput,
  type VerifyDeviceOptions,
  type VerifyDeviceResult,
} from '@keyline/core';
import { Piscina } from 'piscina';
import type { TokenCheck, TokenCheckAnswer, VerifierWorkerData } from './messages.js';
import { anchorsDer } from './anchors.js';

/** What a pool verification takes: verifyDevice's options for a token, less what the pool holds. */
export type PooledVerifyOptions = Omit<VerifyDeviceOptions, 'trustAnchors' | 'cache' | 'chain'> & {
  readonly token: string;
};

export interface DeviceVerifierPoolOptions {
  /** The ecosystem root(s), as for verifyDevice. */
  readonly trustAnchors: CertificateInput | readonly CertificateInput[];
  /** Worker threads; default: the machine's available parallelism. */
  readonly threads?: number;
  /** Most tokens sent to a worker in one message; default 64. */
  readonly maxBatch?: number;
  /** Entries of each worker's ValidationCache (its default when absent). */
  readonly cacheEntries?: number;
  /** The worker module; default: the built verify-worker.js beside this file. */
  readonly workerFile?: string | URL;
}

/**
 * piscina loads a worker module with `require` first and `import()` if that fails. Node 20.19+
 * lets `require` load an ES module, and on that path Node 20.20 has been seen to abort the whole
 * process ("v8::Module::IsGraphAsync must be used on an instantiated module", in a test run):
 * with require(esm) turned off in the workers, `require` refuses the module and piscina imports it.
 */
const WORKER_EXEC_ARGV: readonly string[] = process.allowedNodeEnvironmentFlags.has('--no-experimental-require-module')
  ? ['--no-experimental-require-module']
  : [];

/** Batches in flight per worker: the one it runs and the one queued behind it. */
const BATCHES_PER_WORKER = 2;

interface Waiting {
  readonly request: TokenCheck;
  readonly resolve: (answer: TokenCheckAnswer) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A verification service's device verifier on every core (issue 5 section 6): the costly steps of
 * verifyDevice (steps 1 to 7: token form, chain validation under the ecosystem profile with a
 * ValidationCache per worker, x5c shape, device identity, proof of possession, claims) run in
 * worker threads; revocation (step 8) and the single use of the nonce (step 9, consumed last and
 * only when everything else passed) run here, on the caller's thread, against the caller's
 * RevocationSource and ChallengeStore, exactly as verifyDevice does them. The answers and codes
 * are verifyDevice's; a worker that crashes or is stopped before answering rejects its requests
 * with ERR_ATTEST_VERIFIER_FAILED (kind internal), and piscina starts a new worker.
 *
 * Tokens waiting when a worker becomes free travel to it in one message (at most `maxBatch`), so
 * that under load the cost of passing messages is shared by many verifications; at most two
 * batches per worker are in flight, so one is always queued behind the one running.
 */
export class DeviceVerifierPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private readonly anchors: readonly Uint8Array[];
  private readonly maxBatch: number;
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(options: DeviceVerifierPoolOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('DeviceVerifierPool expects options');
    const threads = options.threads ?? availableParallelism();
    if (!Number.isSafeInteger(threads) || threads < 1) throw new TypeError('threads must be a positive integer');
    const maxBatch = options.maxBatch ?? 64;
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new TypeError('maxBatch must be a positive integer');
    this.threads = threads;
    this.maxBatch = maxBatch;
    this.anchors = anchorsDer(options.trustAnchors);
    const workerData: VerifierWorkerData = {
      trustAnchors: this.anchors,
      ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
    };
    this.piscina = new Piscina({
      filename: String(options.workerFile ?? defaultWorkerFile()),
      minThreads: threads,
      maxThreads: threads,
      // Handed to the worker at once, so that the batch behind the running one is already waiting in
      // its port when it finishes: with one, piscina posts the next batch only after this thread has
      // taken the answers in, and the worker idles meanwhile (about half the pool's rate was lost).
      concurrentTasksPerWorker: BATCHES_PER_WORKER,
      idleTimeout: Number.POSITIVE_INFINITY,
      // The worker is built JavaScript: no loader of the parent (tsx under tests and benchmarks).
      execArgv: [...WORKER_EXEC_ARGV],
      workerData,
    });
    // A worker that fails while it holds no task (piscina's 'error' event) has no request to answer
    // for, and piscina replaces it; unheard, the event would end the process.
    this.piscina.on('error', () => undefined);
  }

  /**
   * verifyDevice for a token, on the pool: the same checks in the same order, the same answers.
   * Rejects with a TypeError for misuse (as verifyDevice throws), with ERR_ATTEST_VERIFIER_FAILED
   * when a worker fails before answering.
   */
  async verify(options: PooledVerifyOptions): Promise<VerifyDeviceResult> {
    const request = toRequest(options);
    const answer = await this.submit(request);
    if (answer.ok === 'threw')
      throw answer.name === 'TypeError' ? new TypeError(answer.message) : new Error(answer.message);
    if (answer.ok === false) return answer;
    let chain: readonly CertificateType[] | undefined;
    const chainOf = (): readonly CertificateType[] => (chain ??= this.chainOf(options.token, answer.anchor));
    // Steps 8 and 9 when there is something to do (a revocation source, a challenge store): a
    // caller without either pays no further turn of the event loop.
    const challenge = options.challenge;
    if (options.revocation !== undefined || (challenge !== undefined && 'store' in challenge)) {
      const refusal = await finishDeviceCheck(options as VerifyDeviceOptions, answer.nonce, chainOf);
      if (refusal !== undefined) return refusal;
    }
    const { deviceId, manufacturerId, productId, serialNumber } = answer;
    // The validated chain is decoded here only when asked for: x5c (verified to be the path below
    // the anchor, in order) and the anchor.
    return {
      ok: true,
      deviceId,
      manufacturerId,
      productId,
      serialNumber,
      get chain() {
        return chainOf();
      },
    };
  }

  /** Stops the workers; pending verifications reject with ERR_ATTEST_VERIFIER_FAILED. */
  async close(): Promise<void> {
    this.closed = true;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.reject(verifierFailed(new Error('the pool is closed')));
    await this.piscina.destroy();
  }

  private submit(request: TokenCheck): Promise<TokenCheckAnswer> {
    if (this.closed) return Promise.reject(verifierFailed(new Error('the pool is closed')));
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After the current turn, so that requests made together leave together.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const slots = BATCHES_PER_WORKER * this.threads;
    while (this.waiting.length > 0 && this.inFlight < slots) {
      // Share what waits among the free slots, so that every worker gets some.
      const share = Math.ceil(this.waiting.length / (slots - this.inFlight));
      const batch = this.waiting.splice(0, Math.min(this.maxBatch, share));
      this.send(batch);
    }
  }

  private send(batch: Waiting[]): void {
    this.inFlight++;
    this.piscina.run(batch.map((w) => w.request)).then(
      (answers: TokenCheckAnswer[]) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(answers[i]!);
        this.done();
      },
      (error: unknown) => {
        for (const w of batch) w.reject(verifierFailed(error));
        this.done();
      },
    );
  }

  private done(): void {
    this.inFlight--;
    if (this.waiting.length > 0) this.flush();
  }

  private chainOf(token: string, anchor: number): CertificateType[] {
    const parsed = parseToken(token);
    if ('ok' in parsed) throw new Error('a token the worker accepted does not parse again');
    const certificates = parsed.x5c.map((text) => Certificate.fromDer(Buffer.from(text, 'base64')));
    return [...certificates, Certificate.fromDer(this.anchors[anchor]!)];
  }
}

function toRequest(options: PooledVerifyOptions): TokenCheck {
  if (typeof options !== 'object' || options === null) throw new TypeError('verify expects an options object');
  if ((options as VerifyDeviceOptions).chain !== undefined) throw new TypeError('the pool verifies tokens only');
  if (typeof options.token !== 'string') throw new TypeError('token must be a string');
  if (!(options.time instanceof Date) || Number.isNaN(options.time.getTime()))
    throw new TypeError('time must be a valid Date');
  if (options.revocation !== undefined && typeof options.revocation.check !== 'function') {
    throw new TypeError('revocation must be a RevocationSource');
  }
  const scope = options.revocationScope;
  if (scope !== undefined && scope !== 'leaf' && scope !== 'chain') {
    throw new TypeError("revocationScope must be 'leaf' or 'chain'");
  }
  const challenge = options.challenge;
  const nonce = (challenge as { nonce?: unknown } | undefined)?.nonce;
  if (challenge !== undefined) {
    const byStore = typeof (challenge as { store?: { consume?: unknown } }).store?.consume === 'function';
    if ((typeof nonce === 'string') === byStore) throw new TypeError('challenge must be { nonce } or { store }');
  }
  return {
    token: options.token,
    timeMs: options.time.getTime(),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
    ...(typeof nonce === 'string' ? { nonce } : {}),
    ...(options.maxSkewSeconds === undefined ? {} : { maxSkewSeconds: options.maxSkewSeconds }),
  };
}

function verifierFailed(cause: unknown): KeylineError {
  const detail = (cause as Error)?.message ?? String(cause);
  return new KeylineError('ERR_ATTEST_VERIFIER_FAILED', `the verification worker failed: ${detail}`, undefined, {
    cause,
  });
}

/** The built worker beside this module; from the TypeScript sources (tests, benchmarks), the built one. */
function defaultWorkerFile(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/verification/verify-worker.js', here)
    : new URL('./verify-worker.js', here);
}
