import { createHash } from 'node:crypto';
import { KeylineError, type VerifyDeviceResult } from '@keyline/core';
import { DeviceVerifierPool, type PooledVerifyOptions } from '../verification/index.js';

/** What the holder needs of a pool (DeviceVerifierPool; tests give their own to watch the swaps). */
export interface HeldVerifier {
  verify(options: PooledVerifyOptions): Promise<VerifyDeviceResult>;
  close(): Promise<void>;
}

export interface VerifierPoolHolderOptions {
  /** Worker threads of each pool (at least 1). */
  readonly threads: number;
  /** Makes the pool for a set of trust anchors; default a DeviceVerifierPool of `threads`. */
  readonly create?: (trustAnchors: readonly Uint8Array[], threads: number) => HeldVerifier;
  /** Told when a pool fails to stop (nothing waits for a pool retired in the background). */
  readonly onCloseError?: (error: unknown) => void;
}

interface Held {
  readonly key: string;
  readonly verifier: HeldVerifier;
  inFlight: number;
  /** The newest read of the roots that chose this pool. */
  read: number;
  /** Set by close(): called when the last verification in flight on this pool ends. */
  onIdle?: () => void;
  stopped?: Promise<void>;
}

/**
 * The server's DeviceVerifierPool for the active roots of the moment (POST /api/v1/verify with
 * `verifyThreads`). A pool's trust anchors are fixed when it starts, while the roots may change
 * while the server runs (a root created, retired): each verification reads the roots, and the pool
 * is the one for exactly that set, keyed by the SHA-256 of each anchor, started on first use.
 *
 * The pool chosen by the newest read of the roots is the current one; any other is stopped as soon
 * as no verification is in flight on it, since stopping a pool fails what it still holds with
 * ERR_ATTEST_VERIFIER_FAILED. A request that read the roots before the current pool was chosen
 * (roots changing under concurrent requests) is verified against what it read, on that set's pool,
 * without taking the current place from the newer set.
 */
export class VerifierPoolHolder {
  private readonly threads: number;
  private readonly create: (trustAnchors: readonly Uint8Array[], threads: number) => HeldVerifier;
  private readonly onCloseError: (error: unknown) => void;
  private readonly pools = new Map<string, Held>();
  private readonly stopping = new Set<Promise<void>>();
  private current: Held | undefined;
  private reads = 0;
  private closed = false;

  constructor(options: VerifierPoolHolderOptions) {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) {
      throw new TypeError('threads must be a positive integer');
    }
    this.threads = options.threads;
    this.create =
      options.create ??
      ((trustAnchors, threads) => new DeviceVerifierPool({ trustAnchors: [...trustAnchors], threads }));
    this.onCloseError = options.onCloseError ?? (() => undefined);
  }

  /** How many pools are running (the current one, and retired ones still finishing their work). */
  get size(): number {
    return this.pools.size;
  }

  /**
   * Reads the trust anchors, then verifies on their pool with the options made after the read (so
   * that the verification time is taken when the inline path would take it).
   */
  async verify(
    readAnchors: () => Promise<readonly Uint8Array[]>,
    options: () => PooledVerifyOptions,
  ): Promise<VerifyDeviceResult> {
    const read = ++this.reads;
    const anchors = await readAnchors();
    const held = this.choose(anchors, read);
    held.inFlight++;
    try {
      return await held.verifier.verify(options());
    } finally {
      held.inFlight--;
      this.release(held);
    }
  }

  /** Stops every pool once its verifications in flight have ended; later verifications fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.current = undefined;
    const busy = [...this.pools.values()].map((held) =>
      held.inFlight === 0 ? this.stop(held) : new Promise<void>((resolve) => (held.onIdle = resolve)),
    );
    await Promise.all(busy);
    await Promise.all(this.stopping);
  }

  private choose(anchors: readonly Uint8Array[], read: number): Held {
    if (this.closed) {
      throw new KeylineError('ERR_ATTEST_VERIFIER_FAILED', 'the server is closing: its device verifiers are stopped');
    }
    const key = anchorsKey(anchors);
    let held = this.pools.get(key);
    if (held === undefined) {
      held = { key, verifier: this.create(anchors, this.threads), inFlight: 0, read };
      this.pools.set(key, held);
    }
    held.read = Math.max(held.read, read);
    if (this.current === undefined || read > this.current.read) {
      const previous = this.current;
      this.current = held;
      if (previous !== undefined && previous !== held) this.release(previous);
    }
    return held;
  }

  private release(held: Held): void {
    if (held.inFlight > 0) return;
    if (held.onIdle !== undefined) {
      const onIdle = held.onIdle;
      held.onIdle = undefined;
      void this.stop(held).then(onIdle);
      return;
    }
    if (held !== this.current) void this.stop(held);
  }

  private stop(held: Held): Promise<void> {
    if (held.stopped !== undefined) return held.stopped;
    this.pools.delete(held.key);
    const stopped = held.verifier.close().catch((error: unknown) => this.onCloseError(error));
    held.stopped = stopped;
    this.stopping.add(stopped);
    void stopped.then(() => this.stopping.delete(stopped));
    return stopped;
  }
}

/** The set of anchors as a key: the SHA-256 of each certificate, in the order the store lists them. */
function anchorsKey(anchors: readonly Uint8Array[]): string {
  return anchors.map((der) => createHash('sha256').update(der).digest('hex')).join(',');
}
