import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundFor } from './lib/engine.js';
import { GENERATORS, deepNesting, seedPool, type Generator } from './lib/mutate.js';
import { describeError, runOne, type Outcome } from './lib/outcome.js';
import { Rng } from './lib/rng.js';
import { parseTree, serialize } from './lib/tree.js';
import { buildTargets, type FuzzTarget } from './targets.js';

/**
 * The CI-sized fuzz run (issue 2 section 6): a few thousand hostile inputs per parser, made by
 * fast-check from the same seed corpus and generators as `npm run fuzz`. Every input must be
 * accepted or refused with a KeylineError, within a time bound. FUZZ_RUNS overrides the count.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
/** Per input, plus an allowance per MiB. Generous for a loaded CI machine; the parsers take microseconds. */
const BOUND = { boundMs: 250, boundMsPerMiB: 500 };

const targets = buildTargets();

/** An input that prints as its length and first bytes (a 500 kB counterexample must not flood the log). */
class Input {
  constructor(readonly bytes: Uint8Array) {}
  [fc.toStringMethod](): string {
    return `<${this.bytes.length} bytes: ${Buffer.from(this.bytes.subarray(0, 32)).toString('hex')}…>`;
  }
}

/** Keeps a failing input whole under .tmp/fuzz-findings/ for replay. */
function keep(target: FuzzTarget, bytes: Uint8Array): string {
  const dir = join(process.cwd(), '.tmp', 'fuzz-findings');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `vitest-${target.name}-${bytes.length}.bin`);
  writeFileSync(file, bytes);
  return file;
}

/** Hostile inputs for one target: plain fast-check mutations and our generators. */
function inputs(target: FuzzTarget): fc.Arbitrary<Input> {
  const seeds = target.seeds;
  const pool = seedPool(seeds);
  const seed = fc.nat({ max: Math.max(0, seeds.length - 1) }).map((i) => seeds[i] ?? new Uint8Array(0));
  const random = fc.uint8Array({ maxLength: 600 });
  const truncated = fc.tuple(seed, fc.nat()).map(([s, n]) => s.slice(0, s.length === 0 ? 0 : n % s.length));
  const patched = fc
    .tuple(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }))
    .map(([s, edits]) => {
      const out = Uint8Array.from(s);
      for (const [pos, byte] of edits) if (out.length > 0) out[pos % out.length] = byte;
      return out;
    });
  const generated = fc
    .tuple(fc.constantFrom<Generator>(...target.generators), fc.integer({ min: 0, max: 0x7fffffff }))
    .map(([g, n]) => g.make(new Rng(n), pool));
  return fc
    .oneof(
      { arbitrary: random, weight: 1 },
      { arbitrary: truncated, weight: 1 },
      { arbitrary: patched, weight: 2 },
      { arbitrary: generated, weight: 6 },
    )
    .map((bytes) => new Input(bytes));
}

function failureOf(outcome: Outcome, ms: number, bound: number): string | undefined {
  if (outcome.kind === 'foreign') return `threw a non-KeylineError: ${describeError(outcome.error)}`;
  if (ms > bound) return `took ${ms.toFixed(1)} ms (bound ${bound.toFixed(1)} ms)`;
  return undefined;
}

describe('fuzz: every parser accepts or refuses with a KeylineError, within a bound', () => {
  for (const target of targets) {
    it(`${target.name} — ${target.entry}`, async () => {
      expect(target.seeds.length, 'the target has seeds to mutate').toBeGreaterThan(0);
      const codes = new Set<string>();
      await fc.assert(
        fc.asyncProperty(inputs(target), async ({ bytes: input }) => {
          const bound = boundFor(input, BOUND);
          let { outcome, ms } = await runOne(target.parse, input, target.throwsAreBugs);
          // A single slow run may be a GC pause; a slow input is slow twice.
          if (ms > bound && ms < bound * 10)
            ({ outcome, ms } = await runOne(target.parse, input, target.throwsAreBugs));
          if (outcome.kind === 'rejected') codes.add(outcome.code);
          const failure = failureOf(outcome, ms, bound);
          if (failure !== undefined) {
            throw new Error(
              `${target.name}: input of ${input.length} bytes ${failure}; kept in ${keep(target, input)}`,
            );
          }
        }),
        // No shrinking: a slow input is slow to shrink, and the whole input is kept for replay.
        { numRuns: RUNS, endOnFailure: true },
      );
      // The generators must reach past the first check: several distinct refusals, not one.
      const minimum = target.minDistinctCodes ?? 3;
      expect(codes.size, `codes seen: ${[...codes].join(', ')}`).toBeGreaterThanOrEqual(minimum);
    });
  }
});

describe('fuzz harness', () => {
  it('accepts every seed of every target (the corpus is valid)', async () => {
    for (const target of targets) {
      for (const seed of target.seeds) {
        const { outcome } = await runOne(target.parse, seed, target.throwsAreBugs);
        const expected =
          target.seedCode === undefined ? { kind: 'accepted' } : { kind: 'rejected', code: target.seedCode };
        expect(outcome, `${target.name} seed`).toEqual(expected);
      }
    }
  });

  it('writes a parsed seed back byte for byte, so structure mutations start from the real thing', () => {
    for (const target of targets) {
      for (const seed of target.seeds)
        expect(Buffer.from(serialize(parseTree(seed))).equals(Buffer.from(seed))).toBe(true);
    }
  });

  it('builds deep nesting with consistent lengths at any depth', () => {
    const nested = deepNesting(5000);
    expect(parseTree(nested.subarray(0, 6)).raw, 'a cut prefix is not one element').toBeDefined();
    expect(nested.length).toBeGreaterThan(5000 * 2);
    // Walk the headers: each level's length must cover exactly the rest of the buffer.
    let pos = 0;
    for (let level = 0; level < 5000; level++) {
      expect(nested[pos]).toBe(0x30);
      const first = nested[pos + 1]!;
      const n = first < 0x80 ? 0 : first & 0x7f;
      let length = first < 0x80 ? first : 0;
      for (let i = 0; i < n; i++) length = length * 256 + nested[pos + 2 + i]!;
      pos += 2 + n;
      expect(pos + length).toBe(nested.length);
    }
  });

  it('is reproducible: one seed, one sequence of inputs', () => {
    const pool = seedPool(targets[0]!.seeds);
    const run = (): string[] => {
      const rng = new Rng(42);
      return Array.from({ length: 50 }, () => Buffer.from(rng.pick(GENERATORS).make(rng, pool)).toString('hex'));
    };
    expect(run()).toEqual(run());
  });
});
