import { describe, expect, it } from 'vitest';
import { SteadyLoad } from '../../bench/lib/steady-load.js';

/** A request that completes when the test says so, counting how many are outstanding. */
function controlledRequests(answer: (n: number) => boolean = () => true) {
  const pending: (() => void)[] = [];
  let started = 0;
  let maxLive = 0;
  let live = 0;
  const request = (): Promise<boolean> => {
    const n = started++;
    live++;
    maxLive = Math.max(maxLive, live);
    return new Promise((resolve) =>
      pending.push(() => {
        live--;
        resolve(answer(n));
      }),
    );
  };
  const completeAll = async (): Promise<void> => {
    while (pending.length > 0) {
      for (const done of pending.splice(0)) done();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { request, pending, completeAll, stats: () => ({ started, maxLive, live }) };
}

describe('SteadyLoad', () => {
  it('keeps the window full: a new request starts as each completes', async () => {
    const c = controlledRequests();
    const load = new SteadyLoad(c.request, 4);
    const five = load.next(5);
    expect(c.stats()).toMatchObject({ started: 4, live: 4 });
    // Complete one at a time: each completion starts the next, never more than 4 outstanding.
    for (let i = 0; i < 5; i++) {
      c.pending.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(c.stats().live).toBe(4);
    }
    await five;
    expect(c.stats()).toMatchObject({ started: 9, maxLive: 4 });
    const settled = load.settle();
    await c.completeAll();
    await settled;
    expect(c.stats()).toMatchObject({ started: 9, live: 0 });
    expect(load.refused).toBe(0);
  });

  it('settle stops new requests and waits for those in flight; next starts it again', async () => {
    const c = controlledRequests();
    const load = new SteadyLoad(c.request, 3);
    const first = load.next(1);
    c.pending.shift()!();
    await first;
    let settled = false;
    const settling = load.settle().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await c.completeAll();
    await settling;
    const afterSettle = c.stats().started;
    expect(c.stats().live).toBe(0);
    const again = load.next(2);
    expect(c.stats().started).toBe(afterSettle + 3);
    c.pending.shift()!();
    c.pending.shift()!();
    await again;
    const end = load.settle();
    await c.completeAll();
    await end;
  });

  it('counts refusals and passes a failed request on', async () => {
    const refusing = controlledRequests((n) => n % 2 === 0);
    const load = new SteadyLoad(refusing.request, 2);
    let resolved = false;
    const four = load.next(4).then(() => (resolved = true));
    while (!resolved) {
      refusing.pending.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await four;
    const settled = load.settle();
    await refusing.completeAll();
    await settled;
    // Requests 0..3 completed for `four`: 1 and 3 refused; those drained by settle may add more.
    expect(load.refused).toBeGreaterThanOrEqual(2);
    expect(refusing.stats().live).toBe(0);

    const failing = new SteadyLoad(() => Promise.reject(new Error('worker died')), 2);
    await expect(failing.next(1)).rejects.toThrow('worker died');
    await expect(failing.settle()).rejects.toThrow('worker died');
    await expect(failing.next(1)).rejects.toThrow('worker died');
  });

  it('run starts exactly the count, the window at most full, and ends with nothing in flight', async () => {
    const c = controlledRequests();
    const load = new SteadyLoad(c.request, 4);
    let resolved = false;
    const ten = load.run(10).then(() => (resolved = true));
    expect(c.stats()).toMatchObject({ started: 4, live: 4 });
    while (c.pending.length > 0) {
      // The last ones complete without new ones starting in their place.
      c.pending.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(c.stats().live).toBeLessThanOrEqual(4);
      if (c.stats().live > 0) expect(resolved).toBe(false);
    }
    await ten;
    expect(c.stats()).toMatchObject({ started: 10, live: 0, maxLive: 4 });
    // Nothing to drain, and a second run starts again from an empty window.
    await load.settle();
    const two = load.run(2);
    expect(c.stats()).toMatchObject({ started: 12, live: 2 });
    await c.completeAll();
    await two;
  });

  it('run refuses a load still in flight and a count that is not positive', async () => {
    const c = controlledRequests();
    const load = new SteadyLoad(c.request, 2);
    const one = load.next(1);
    await expect(load.run(3)).rejects.toThrow('settled');
    c.pending.shift()!();
    await one;
    const settled = load.settle();
    await c.completeAll();
    await settled;
    await expect(load.run(0)).rejects.toThrow(RangeError);
    await expect(load.run(1.5)).rejects.toThrow(RangeError);
  });
});
