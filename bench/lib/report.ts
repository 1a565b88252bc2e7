import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { median, pairedRatios, quantile, type CaseFigures } from './measure.js';

/** One benchmark's output (DEVELOPERS.md): one JSON object, ratios against a baseline measured in the same run. */
export interface BenchReport {
  readonly bench: string;
  readonly baseline: { readonly op: string; readonly perSecond: number };
  readonly results: readonly BenchResult[];
  /** What the rates are per: seconds of process CPU time (see lib/measure.ts). */
  readonly clock: 'process CPU time';
  readonly quick: boolean;
  readonly machine: MachineInfo;
}

export interface BenchResult {
  readonly name: string;
  /** Median operations per second over the rounds. */
  readonly perSecond: number;
  /** Median over the rounds of this round's rate divided by the baseline's rate in the same round. */
  readonly ratio: number;
  readonly [extra: string]: unknown;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly openssl: string;
  /** 1-minute load average when the report was made: a busy machine widens the ratio's range. */
  readonly loadAverage: number;
}

const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/**
 * Builds the report: `baseline` names the raw operation; each result gets its paired median ratio
 * and, as `ratioRange`, the interquartile range of its per-round ratios.
 */
export function makeReport(
  bench: string,
  quick: boolean,
  baseline: { op: string; figures: CaseFigures },
  results: readonly (CaseFigures & { readonly extra?: Record<string, unknown> })[],
): BenchReport {
  return {
    bench,
    baseline: { op: baseline.op, perSecond: Math.round(baseline.figures.perSecond) },
    results: results.map((r) => {
      const ratios = pairedRatios(r, baseline.figures);
      return {
        name: r.name,
        perSecond: Math.round(r.perSecond),
        ratio: round(median(ratios), 3),
        ratioRange: [round(quantile(ratios, 0.25), 3), round(quantile(ratios, 0.75), 3)],
        microseconds: round(1e6 / r.perSecond, 2),
        rounds: r.rates.length,
        operations: r.operations,
        ...r.extra,
      };
    }),
    clock: 'process CPU time',
    quick,
    machine: machineInfo(),
  };
}

export function machineInfo(): MachineInfo {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    openssl: opensslVersion(),
    loadAverage: round(loadavg()[0] ?? 0, 2),
  };
}

function opensslVersion(): string {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return `node's ${process.versions.openssl} (no openssl CLI)`;
  }
}
