/**
 * `factory`: the provisioning line's throughput (issue 4, section 5).
 *
 * Baseline (lib/factory-crypto.ts): the per-chip cryptographic bound, measured in the same run — per
 * chip one P-256 key generation, one CA signature over a device-TBS-sized message, one chip signature
 * over a 32-byte challenge digest, and the verifications the line does, with node:crypto on one
 * thread. The line verifies once per chip: the chip's challenge signature against the new
 * certificate's key (factory/station.ts `checkChip`); the chain it rebuilds from the chip is compared
 * byte for byte, not verified, and the CA core checks what it signed by decoding, not by verifying.
 *
 * Results:
 *   - `emulator`: chips per second of `runFactoryBatch` in process (the CLI's line without the CLI),
 *     emulated chips with the timing model off and `memory` persistence (chip images read from the
 *     tray, never written back: the cost of the emulator's files is left out, the store's is in), 4
 *     stations, SQLite store, a fresh tray per round; `ratio` to the bound, paired per round. The
 *     chips and their stations' work run on station threads (one per CPU, started once and kept
 *     across batches, as a running line keeps them: factory/station-pool.ts) while the main thread
 *     keeps the journal, the CA and the manifest: `threads` counts them all;
 *   - `emulator-1-thread`: the same line with the stations in the main thread (`threads: 1`);
 *   - `emulator-file` (full runs only): the same with `file` persistence, every chip change written
 *     and fsynced before the chip answers, as `keyline factory run` does;
 *   - `timing-stations-K`, K = 1, 2, 4, 8, 16, 32 (and 64, the most the line takes, in full runs):
 *     the timing model on (a real ATECC508A's command durations), K stations, K×`waves` chips; with
 *     `caShare`, the share of the run's time spent inside the CA's `issueDevices`, and `caBound`, the
 *     chips per second the CA alone would allow, and `caHalfAtStations`, the station count at which the
 *     CA would take half the time (a chunk's issuance runs between its key phase and its write phase,
 *     not beside them: time per chunk ≈ chips/K × station time per chip + chips/caBound).
 * Time is the wall clock (the store's writes and the chips' simulated durations are part of the cost);
 * the baseline runs in slices interleaved with the line's rounds, so machine noise falls on both.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Certificate } from '@keyline/core';
import { runFactoryBatch, StationPool, type FactoryRunOptions } from '../packages/keyline/src/factory/index.js';
import { chipCryptoDescription, chipCryptoOperation } from './lib/factory-crypto.js';
import { FACTORY_PRODUCT, makeFactoryDeployment, type FactoryBenchDeployment } from './lib/factory-deployment.js';
import { median, type CaseFigures } from './lib/measure.js';
import { makeReport, type BenchReport, type BenchResult } from './lib/report.js';

/** Verifications per chip the line does (see the header). */
const VERIFIES_PER_CHIP = 1;
const STATIONS = 4;

interface Plan {
  /** Chips per measured batch of the `emulator` case, and rounds. */
  readonly batch: number;
  readonly rounds: number;
  /** Wall time of each baseline slice. */
  readonly sliceMs: number;
  readonly fileRounds: number;
  /** Chips per batch of the `emulator-file` case (every chip change fsynced: slower). */
  readonly fileBatch: number;
  readonly stationCounts: readonly number[];
  /** Chips per station in the timing runs. */
  readonly waves: number;
}

const QUICK_PLAN: Plan = {
  batch: 200,
  rounds: 4,
  sliceMs: 400,
  fileRounds: 0,
  fileBatch: 0,
  stationCounts: [1, 2, 4, 8, 16, 32],
  waves: 1,
};
const FULL_PLAN: Plan = {
  batch: 1000,
  rounds: 12,
  sliceMs: 1500,
  fileRounds: 3,
  fileBatch: 300,
  stationCounts: [1, 2, 4, 8, 16, 32, 64],
  waves: 5,
};

/** Runs one batch on a fresh tray; its wall-clock rate (chips per second) and the CA's busy time. */
async function lineRun(
  d: FactoryBenchDeployment,
  tray: string,
  count: number,
  options: Partial<FactoryRunOptions>,
  pool?: StationPool,
): Promise<{ rate: number; ms: number; caMs: number }> {
  d.resetCaBusy();
  const deps = pool === undefined ? d.deps : { ...d.deps, stationPool: pool };
  const start = performance.now();
  const report = await runFactoryBatch(deps, {
    caId: d.issuing.id,
    productId: FACTORY_PRODUCT,
    count,
    se: `emulator:${tray}`,
    stations: STATIONS,
    persistence: 'memory',
    manifestPath: `${tray}.manifest.jsonl`,
    ...options,
  });
  const ms = performance.now() - start;
  if (report.done !== count || report.quarantined !== 0) {
    throw new Error(`a benchmark batch did not provision every chip: ${JSON.stringify(report)}`);
  }
  return { rate: (count * 1000) / ms, ms, caMs: d.caBusyMs() };
}

/** Runs `op` for `ms` of wall time; operations per second. */
function slice(op: () => void, ms: number): number {
  const start = performance.now();
  let count = 0;
  let elapsed = 0;
  do {
    op();
    op();
    count += 2;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (count * 1000) / elapsed;
}

function figures(name: string, rates: number[], operations: number): CaseFigures {
  return { name, rates, perSecond: median(rates), operations };
}

export async function run(options: { quick: boolean }): Promise<BenchReport> {
  const plan = options.quick ? QUICK_PLAN : FULL_PLAN;
  const d = await makeFactoryDeployment();
  // The station threads, started once (as a line running batch after batch keeps them).
  const stationThreads = availableParallelism();
  const pool = await StationPool.start(stationThreads);
  try {
    // Every tray made before anything is measured.
    const warmTray = d.makeTray(Math.min(plan.batch, 100));
    const warmThreadTray = d.makeTray(Math.min(plan.batch, 100));
    const trays: string[] = [];
    const oneThreadTrays: string[] = [];
    for (let i = 0; i < plan.rounds; i++) trays.push(d.makeTray(plan.batch));
    for (let i = 0; i < plan.rounds; i++) oneThreadTrays.push(d.makeTray(plan.batch));
    const fileTrays: string[] = [];
    for (let i = 0; i < plan.fileRounds; i++) fileTrays.push(d.makeTray(plan.fileBatch));
    const timingTrays = new Map<number, string>();
    for (const k of plan.stationCounts) timingTrays.set(k, d.makeTray(k * plan.waves));

    // Warm-up, and the TBS length of a real device certificate for the baseline.
    await lineRun(d, warmTray, Math.min(plan.batch, 100), {});
    await lineRun(d, warmThreadTray, Math.min(plan.batch, 100), {}, pool);
    const sample = (await d.store.certificates.search({ caId: d.issuing.id, status: 'valid' }, { limit: 1 })).items[0];
    const tbsLength = Certificate.fromDer(sample!.der!).tbs.length;
    const crypto = { tbsLength, verifies: VERIFIES_PER_CHIP };
    const bound = chipCryptoOperation(crypto);
    slice(bound, 300);

    // `emulator` (station threads) and `emulator-1-thread`: rounds of (baseline slice, one batch
    // each way), the order alternating.
    const baselineRates: number[] = [];
    const lineRates: number[] = [];
    const oneThreadRates: number[] = [];
    let caMs = 0;
    let lineMs = 0;
    let oneCaMs = 0;
    let oneMs = 0;
    for (let round = 0; round < plan.rounds; round++) {
      const before = round % 2 === 0;
      if (before) baselineRates.push(slice(bound, plan.sliceMs));
      const threaded = async (): Promise<void> => {
        const r = await lineRun(d, trays[round]!, plan.batch, {}, pool);
        lineRates.push(r.rate);
        caMs += r.caMs;
        lineMs += r.ms;
      };
      const oneThread = async (): Promise<void> => {
        const r = await lineRun(d, oneThreadTrays[round]!, plan.batch, {});
        oneThreadRates.push(r.rate);
        oneCaMs += r.caMs;
        oneMs += r.ms;
      };
      if (before) {
        await threaded();
        await oneThread();
      } else {
        await oneThread();
        await threaded();
      }
      if (!before) baselineRates.push(slice(bound, plan.sliceMs));
    }
    const baseline = figures('per-chip crypto', baselineRates, 0);
    const memoryLine = { unit: 'chips', persistence: 'memory', stations: STATIONS, batch: plan.batch, timing: false };
    const measured: (CaseFigures & { extra?: Record<string, unknown> })[] = [
      {
        ...figures('emulator', lineRates, plan.batch * plan.rounds),
        extra: {
          ...memoryLine,
          // This thread (journal, CA, manifest) and the station threads (the chips and their checks).
          threads: 1 + stationThreads,
          stationThreads,
          cpus: availableParallelism(),
          caShare: Number((caMs / lineMs).toFixed(3)),
        },
      },
      {
        ...figures('emulator-1-thread', oneThreadRates, plan.batch * plan.rounds),
        extra: { ...memoryLine, threads: 1, caShare: Number((oneCaMs / oneMs).toFixed(3)) },
      },
    ];
    const report = makeReport(
      'factory',
      options.quick,
      { op: chipCryptoDescription(crypto), figures: baseline },
      measured,
    );

    // `emulator-file`: each round paired with a baseline slice of its own.
    const extra: BenchResult[] = [];
    if (plan.fileRounds > 0) {
      const fileRates: number[] = [];
      const ratios: number[] = [];
      for (const tray of fileTrays) {
        const base = slice(bound, plan.sliceMs);
        const rate = (await lineRun(d, tray, plan.fileBatch, { persistence: 'file' })).rate;
        fileRates.push(rate);
        ratios.push(rate / base);
      }
      extra.push({
        name: 'emulator-file',
        perSecond: Math.round(median(fileRates)),
        ratio: Number(median(ratios).toFixed(3)),
        rounds: fileRates.length,
        operations: plan.fileBatch * plan.fileRounds,
        unit: 'chips',
        persistence: 'file (each chip change written and fsynced before the chip answers)',
        stations: STATIONS,
        batch: plan.fileBatch,
      });
    }

    // The timing model on: stations against the CA.
    const timing: BenchResult[] = [];
    let oneStation: number | undefined;
    for (const k of plan.stationCounts) {
      const count = k * plan.waves;
      const r = await lineRun(d, timingTrays.get(k)!, count, { timing: true, stations: k });
      oneStation ??= r.rate;
      const caBound = (count * 1000) / Math.max(r.caMs, 1e-3);
      timing.push({
        name: `timing-stations-${k}`,
        perSecond: Number(r.rate.toFixed(2)),
        ratio: Number((r.rate / baseline.perSecond).toFixed(4)),
        stations: k,
        chips: count,
        seconds: Number((r.ms / 1000).toFixed(2)),
        speedup: Number((r.rate / oneStation).toFixed(2)),
        caShare: Number((r.caMs / r.ms).toFixed(4)),
        caBound: Math.round(caBound),
        // Where the CA would take half the line's time: stations × per-station chip time = CA time.
        caHalfAtStations: Math.round(((r.ms - r.caMs) / 1000 / (count / k)) * caBound),
        unit: 'chips',
        timing: 'ATECC508A datasheet maxima (se/atecc/timing.ts)',
      });
    }
    return {
      ...report,
      results: [...report.results, ...extra, ...timing],
      clock: 'wall clock',
      store: 'SQLite (WAL, synchronous NORMAL), temporary data directory',
    } as unknown as BenchReport;
  } finally {
    await pool.close();
    await d.close();
  }
}
