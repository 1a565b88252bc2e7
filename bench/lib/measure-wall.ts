/**
 * Wall-clock variant of lib/measure.ts for benchmarks whose operations wait on something other than
 * this process's CPU (a database file, another process): CPU time would leave the waiting out. The
 * same method otherwise: a warm-up, interleaved rounds in a rotating order, per-round rates, so
 * `makeReport`'s paired ratios apply unchanged.
 */
import { performance } from 'node:perf_hooks';
import { median, type BenchCase, type CaseFigures, type MeasureOptions } from './measure.js';

/** Runs `op` (sync or async) for about `ms` milliseconds of wall time; returns [operations, elapsed ms]. */
async function runFor(c: BenchCase, ms: number): Promise<[number, number]> {
  const start = performance.now();
  let count = 0;
  let elapsed = 0;
  do {
    if (c.async) await c.op();
    else c.op();
    count++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return [count, elapsed];
}

/** Measures every case by the wall clock; the result is in the order of `cases`. */
export async function measureWall(cases: readonly BenchCase[], options: MeasureOptions): Promise<CaseFigures[]> {
  for (const c of cases) await runFor(c, options.warmupMs);
  const rates: number[][] = cases.map(() => []);
  const totals: number[] = cases.map(() => 0);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      const [count, elapsed] = await runFor(cases[index]!, options.sliceMs);
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

/** The figures of a case whose one operation does `per` units of work (a batch): rates in units per second. */
export function perUnit(figures: CaseFigures, per: number): CaseFigures {
  const rates = figures.rates.map((r) => r * per);
  return { name: figures.name, rates, perSecond: median(rates), operations: figures.operations * per };
}
