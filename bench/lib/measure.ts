/**
 * Throughput measurement for benchmarks (DEVELOPERS.md: ratios against a baseline measured in the
 * same run). Time is the process's CPU time (user + system, all threads, `process.cpuUsage`), not
 * the wall clock: on a shared machine a process that is descheduled loses wall time but no CPU
 * time, so the figures measure the work itself; for the single-threaded cases here they equal
 * wall-clock rates on an idle machine. Cases run in many short interleaved rounds — each round runs every case for one
 * slice, in a rotating order — so that machine noise (other processes on a shared machine,
 * frequency changes, a neighbour's GC) falls on all cases alike. A case's ratio to the baseline is
 * the median of its per-round ratios (each against the baseline slice of the same round), and its
 * rate the median of its per-round rates. A warm-up pass lets V8 optimise every case first.
 */
export interface BenchCase {
  readonly name: string;
  /** One operation. Sync cases return nothing; async cases return a promise. */
  readonly op: () => unknown;
  /** True when `op` returns a promise that must be awaited. */
  readonly async?: boolean;
  /**
   * Called (and awaited) after each of the case's slices, outside its timing: a case that keeps
   * work running across operations (a load of requests in flight) stops it here, so that it does
   * not run on into the next case's slice.
   */
  readonly settle?: () => Promise<void>;
}

export interface MeasureOptions {
  readonly rounds: number;
  /** Time spent on each case per round. */
  readonly sliceMs: number;
  /** Warm-up time per case before the first round. */
  readonly warmupMs: number;
}

export interface CaseFigures {
  readonly name: string;
  /** Operations per second in each round, in round order. */
  readonly rates: readonly number[];
  /** Median of `rates`. */
  readonly perSecond: number;
  /** Operations counted over all rounds. */
  readonly operations: number;
}

/** `--quick`: about 6 CPU-seconds for four cases (DEVELOPERS.md: under 20 seconds). */
export const QUICK: MeasureOptions = { rounds: 24, sliceMs: 50, warmupMs: 250 };
/** The figures for docs/benchmarks.md: about 65 CPU-seconds for four cases. */
export const FULL: MeasureOptions = { rounds: 100, sliceMs: 150, warmupMs: 1500 };

/** Milliseconds of CPU time this process has used. */
const now = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Runs `op` for about `ms` milliseconds; returns [operations, elapsed ms]. */
async function runFor(c: BenchCase, ms: number): Promise<[number, number]> {
  const start = now();
  let count = 0;
  let elapsed = 0;
  if (c.async) {
    do {
      await c.op();
      count++;
      elapsed = now() - start;
    } while (elapsed < ms);
  } else {
    // Read the clock every 8 operations only: a sync case may take a microsecond.
    do {
      for (let i = 0; i < 8; i++) c.op();
      count += 8;
      elapsed = now() - start;
    } while (elapsed < ms);
  }
  return [count, elapsed];
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile (0..1) by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

/** Measures every case; the result is in the order of `cases`. */
export async function measure(cases: readonly BenchCase[], options: MeasureOptions): Promise<CaseFigures[]> {
  for (const c of cases) {
    await runFor(c, options.warmupMs);
    await c.settle?.();
  }
  const rates: number[][] = cases.map(() => []);
  const totals: number[] = cases.map(() => 0);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      const [count, elapsed] = await runFor(cases[index]!, options.sliceMs);
      await cases[index]!.settle?.();
      rates[index]!.push((count * 1000) / elapsed);
      totals[index]! += count;
    }
  }
  return cases.map((c, i) => ({
    name: c.name,
    rates: rates[i]!,
    perSecond: median(rates[i]!),
    operations: totals[i]!,
  }));
}

/** Per-round ratios of `c` to `baseline` (same rounds, same order). */
export function pairedRatios(c: CaseFigures, baseline: CaseFigures): number[] {
  return c.rates.map((rate, i) => rate / baseline.rates[i]!);
}
