/**
 * A steady load of concurrent requests, as a service sees them: `inFlight` requests outstanding at
 * every moment, a new one started as soon as one completes. Waiting for whole bursts instead (start
 * N, await all N, start N more) leaves the workers idle at every burst's tail while the slowest
 * request finishes and the next burst is built, which measures the benchmark's barrier rather than
 * the service.
 */
export class SteadyLoad {
  private live = 0;
  private completed = 0;
  private running = false;
  /** Requests still to be started: unbounded while `next` drives the load, the rest of a `run`. */
  private budget = Number.POSITIVE_INFINITY;
  private refusedCount = 0;
  private failure: unknown;
  private readonly waiting: { target: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private drained: (() => void) | undefined;

  /** `request` answers true for an accepted request. */
  constructor(
    private readonly request: () => Promise<boolean>,
    private readonly inFlight: number,
  ) {}

  /** Requests answered false so far. */
  get refused(): number {
    return this.refusedCount;
  }

  /** Resolves once `count` more requests have completed; starts the load if it is stopped. */
  next(count: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const target = this.completed + count;
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ target, resolve, reject }));
    this.budget = Number.POSITIVE_INFINITY;
    if (!this.running) {
      this.running = true;
      this.fill();
    }
    return done;
  }

  /**
   * Runs exactly `count` requests, `inFlight` at a time, and resolves once every one of them has
   * completed: a measured operation that leaves nothing in flight, so that all the work done while
   * it ran is counted in it (with `next`, the requests still in flight at the end of a slice have
   * taken CPU in the slice and complete outside it). It includes the start of the load and its
   * drain, where the workers are not all busy, so it understates a steady rate slightly.
   */
  run(count: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.running || this.live > 0) return Promise.reject(new Error('SteadyLoad.run needs a settled load'));
    if (!Number.isSafeInteger(count) || count < 1) return Promise.reject(new RangeError('count must be positive'));
    const target = this.completed + count;
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ target, resolve, reject }));
    this.budget = count;
    this.running = true;
    this.fill();
    return done;
  }

  /** Stops starting requests and waits for those in flight (outside the measured slice). */
  async settle(): Promise<void> {
    this.running = false;
    if (this.live > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    if (this.failure !== undefined) throw this.failure;
  }

  private fill(): void {
    while (this.live < this.inFlight && this.budget > 0) this.start();
  }

  private start(): void {
    this.live++;
    this.budget--;
    this.request().then(
      (ok) => this.finished(ok),
      (error: unknown) => this.fail(error),
    );
  }

  private finished(ok: boolean): void {
    this.live--;
    this.completed++;
    if (!ok) this.refusedCount++;
    if (this.running && this.budget <= 0 && this.live === 0) this.running = false;
    while (this.waiting.length > 0 && this.waiting[0]!.target <= this.completed) this.waiting.shift()!.resolve();
    if (this.running) this.fill();
    else if (this.live === 0) this.wake();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.live--;
    this.running = false;
    for (const w of this.waiting.splice(0)) w.reject(error);
    if (this.live === 0) this.wake();
  }

  private wake(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.();
  }
}
