import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseGenerator, seedPool } from './mutate.js';
import { describeError, runOne } from './outcome.js';
import { Rng } from './rng.js';
import type { FuzzTarget } from '../targets.js';

/** One input that broke the contract: a foreign error, or more time than the bound (twice). */
export interface Finding {
  readonly kind: 'foreign-error' | 'over-bound';
  readonly generator: string;
  readonly detail: string;
  readonly inputLength: number;
  /** The first bytes of the input, hex. */
  readonly inputHead: string;
  /** Where the whole input was written, when an output folder was given. */
  readonly file?: string;
}

export interface TargetSummary {
  readonly entry: string;
  readonly seeds: number;
  /** Seeds the parser itself refuses (should be 0: the corpus is valid). */
  readonly seedsRejected: Record<string, number>;
  readonly iterations: number;
  readonly accepted: number;
  readonly rejected: Record<string, number>;
  readonly byGenerator: Record<string, number>;
  readonly slowestMs: number;
  readonly slowestGenerator: string;
  readonly slowestInputLength: number;
  readonly findings: readonly Finding[];
  readonly findingCount: number;
}

export interface EngineOptions {
  readonly iterations: number;
  readonly seed: number;
  /** Per-input wall-time bound in milliseconds, for an empty input. */
  readonly boundMs: number;
  /**
   * Extra milliseconds allowed per MiB of input: linear work on a large valid input (a PEM bundle of
   * a thousand certificates) is fine; what the bound must catch is work that grows faster than the input.
   */
  readonly boundMsPerMiB: number;
  /** Folder for the inputs of findings; none when undefined. */
  readonly findingsDir?: string;
  /** A target stops after this many findings (a broken parser need not be shown broken 100,000 times). */
  readonly maxFindings?: number;
  /** Called after every `progressEvery` inputs. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

/** The time bound for one input: the base bound plus a linear allowance for its size. */
export function boundFor(input: Uint8Array, options: Pick<EngineOptions, 'boundMs' | 'boundMsPerMiB'>): number {
  return options.boundMs + (options.boundMsPerMiB * input.length) / (1024 * 1024);
}

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function increment(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** Fuzzes one target for `options.iterations` inputs and summarises what happened. */
export async function fuzzTarget(target: FuzzTarget, options: EngineOptions): Promise<TargetSummary> {
  const rng = new Rng((options.seed ^ nameHash(target.name)) >>> 0);
  const pool = seedPool(target.seeds);
  const seedsRejected: Record<string, number> = {};
  for (const seed of target.seeds) {
    const { outcome } = await runOne(target.parse, seed, target.throwsAreBugs);
    if (outcome.kind === 'rejected' && outcome.code !== target.seedCode) increment(seedsRejected, outcome.code);
    if (outcome.kind === 'foreign') increment(seedsRejected, `foreign: ${describeError(outcome.error)}`);
  }

  const rejected: Record<string, number> = {};
  const byGenerator: Record<string, number> = {};
  const findings: Finding[] = [];
  let findingCount = 0;
  let accepted = 0;
  let slowestMs = 0;
  let slowestGenerator = '';
  let slowestInputLength = 0;

  const record = (kind: Finding['kind'], generator: string, detail: string, input: Uint8Array): void => {
    findingCount++;
    if (findings.length >= 10) return;
    let file: string | undefined;
    if (options.findingsDir !== undefined) {
      mkdirSync(options.findingsDir, { recursive: true });
      file = join(options.findingsDir, `${target.name}-${kind}-${options.seed}-${findingCount}.bin`);
      writeFileSync(file, input);
    }
    const inputHead = Buffer.from(input.subarray(0, 48)).toString('hex');
    findings.push({ kind, generator, detail, inputLength: input.length, inputHead, ...(file ? { file } : {}) });
  };

  let iterations = 0;
  for (let i = 0; i < options.iterations; i++) {
    if (options.maxFindings !== undefined && findingCount >= options.maxFindings) break;
    iterations++;
    const generator = chooseGenerator(rng, target.generators);
    increment(byGenerator, generator.name);
    const input = generator.make(rng, pool);
    const bound = boundFor(input, options);
    let { outcome, ms } = await runOne(target.parse, input, target.throwsAreBugs);
    if (ms > bound && ms < bound * 10) {
      // One retry filters out a garbage-collection pause; a slow input is slow every time.
      const again = await runOne(target.parse, input, target.throwsAreBugs);
      ms = Math.min(ms, again.ms);
      outcome = again.outcome;
    }
    if (ms > bound) record('over-bound', generator.name, `${ms.toFixed(1)} ms > ${bound.toFixed(1)} ms`, input);
    if (ms > slowestMs) {
      slowestMs = ms;
      slowestGenerator = generator.name;
      slowestInputLength = input.length;
    }
    if (outcome.kind === 'accepted') accepted++;
    else if (outcome.kind === 'rejected') increment(rejected, outcome.code);
    else {
      increment(rejected, 'FOREIGN');
      record('foreign-error', generator.name, describeError(outcome.error), input);
    }
    if (options.onProgress && options.progressEvery && (i + 1) % options.progressEvery === 0) options.onProgress(i + 1);
  }

  return {
    entry: target.entry,
    seeds: target.seeds.length,
    seedsRejected,
    iterations,
    accepted,
    rejected: Object.fromEntries(Object.entries(rejected).sort((a, b) => b[1] - a[1])),
    byGenerator,
    slowestMs: Math.round(slowestMs * 1000) / 1000,
    slowestGenerator,
    slowestInputLength,
    findings,
    findingCount,
  };
}
