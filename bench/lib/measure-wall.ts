/**
 * Wall-clock variant of lib/measure.ts for benchmarks whose operations wait on something other than
 * this process's CPU (a database file, another process): CPU time would leave the waiting out. The
 * same method otherwise: a warm-up, interleaved rounds in a rotating order, per-round rates, so
 * `makeReport`'s paired ratios apply unchanged.
 */
import { performance } from 'node:perf_hooks';
import { median, pairedRatios, type BenchCase, type CaseFigures, type MeasureOptions } from './measure.js';

/** Milliseconds of CPU time this process has used (all threads). */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Runs `op` (sync or async) for about `ms` milliseconds of wall time; returns [operations,
 * elapsed wall ms, elapsed process CPU ms].
 */
async function runFor(c: BenchCase, ms: number): Promise<[number, number, number]> {
  const start = performance.now();
  const cpuStart = cpuMs();
  let count = 0;
  let elapsed = 0;
  do {
    if (c.async) await c.op();
    else c.op();
    count++;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return [count, elapsed, cpuMs() - cpuStart];
}

/**
 * A case's wall-clock figures, with `cpu`: the same slices counted per second of the process's
 * CPU time (lib/measure.ts's clock). On a shared machine under load the wall-clock rates fall with
 * whatever else runs; the CPU-time rates show the work itself (store writes included, as system
 * time; waits for the disk not).
 */
export type WallFigures = CaseFigures & { readonly cpu: CaseFigures };

/** Measures every case by the wall clock (and CPU time); the result is in the order of `cases`. */
export async function measureWall(cases: readonly BenchCase[], options: MeasureOptions): Promise<WallFigures[]> {
  for (const c of cases) {
    await runFor(c, options.warmupMs);
    await c.settle?.();
  }
  const rates: number[][] = cases.map(() => []);
  const cpuRates: number[][] = cases.map(() => []);
  const totals: number[] = cases.map(() => 0);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      const [count, elapsed, cpu] = await runFor(cases[index]!, options.sliceMs);
      await cases[index]!.settle?.();
      rates[index]!.push((count * 1000) / elapsed);
      cpuRates[index]!.push((count * 1000) / Math.max(cpu, 0.001));
      totals[index]! += count;
    }
  }
  return cases.map((c, i) => ({
    name: c.name,
    rates: rates[i]!,
    perSecond: median(rates[i]!),
    operations: totals[i]!,
    cpu: { name: c.name, rates: cpuRates[i]!, perSecond: median(cpuRates[i]!), operations: totals[i]! },
  }));
}

/** The figures of a case whose one operation does `per` units of work (a batch): rates in units per second. */
export function perUnit<F extends CaseFigures>(figures: F, per: number): F {
  const rates = figures.rates.map((r) => r * per);
  const scaled = { ...figures, rates, perSecond: median(rates), operations: figures.operations * per };
  const cpu = (figures as Partial<WallFigures>).cpu;
  return cpu === undefined ? scaled : { ...scaled, cpu: perUnit(cpu, per) };
}

/**
 * Extra report fields with the CPU-time view of `figures` against `baseline` (see WallFigures):
 * `cpuPerSecond` and `cpuRatio`, the median of the per-round CPU-time ratios.
 */
export function cpuView(figures: WallFigures, baseline: WallFigures): Record<string, number> {
  const ratios = pairedRatios(figures.cpu, baseline.cpu);
  return { cpuPerSecond: Math.round(figures.cpu.perSecond), cpuRatio: Number(median(ratios).toFixed(3)) };
}
