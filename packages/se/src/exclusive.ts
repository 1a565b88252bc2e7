/**
 * Runs asynchronous work one call at a time, in call order (a chip runs one command at a time; a
 * driver keeps a Nonce and its Sign together). A call made while nothing runs starts at once, with no
 * promise chained behind the previous call: an emulated chip answers some thirty commands per
 * provisioned chip, and the chains were a good part of their cost.
 */
export class Exclusive {
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /** Whether a call is running or waiting: work done synchronously now would jump the queue. */
  get busy(): boolean {
    return this.#busy;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy = true;
    try {
      return await fn();
    } finally {
      // The turn passes to the next caller as it is; with none waiting it ends.
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#busy = false;
    }
  }
}
