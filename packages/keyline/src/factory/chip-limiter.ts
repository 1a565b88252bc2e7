/**
 * At most `limit` chips worked on at once, as a station thread's share of the line's stations (with
 * the timing model on, a chip's work is mostly waiting, and the stations say how many wait at once).
 * Urgent work (key generation, which the line's next issuance waits for) goes before the rest.
 */
export class ChipLimiter {
  readonly #limit: number;
  #running = 0;
  readonly #urgent: (() => void)[] = [];
  readonly #normal: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
    this.#limit = limit;
  }

  async run<T>(urgent: boolean, fn: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) {
      await new Promise<void>((resolve) => (urgent ? this.#urgent : this.#normal).push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.#urgent.shift() ?? this.#normal.shift();
      // The slot passes to the next waiter as it is; with none waiting it is freed.
      if (next !== undefined) next();
      else this.#running--;
    }
  }
}
