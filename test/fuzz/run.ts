/**
 * The long fuzz run (issue 2 section 6): every parser gets hostile inputs made from a valid seed
 * corpus (random bytes, truncations, byte and structure mutations, length bombs, deep nesting, huge
 * OIDs) and must either accept each or refuse it with a KeylineError, within a time bound.
 *
 *   npm run fuzz -- [--iterations N] [--seed S] [--target NAME[,NAME…]] [--bound-ms MS]
 *                   [--bound-ms-per-mib MS] [--max-findings N] [--list]
 *   npm run fuzz -- --target NAME --replay FILE      # one saved input: its outcome and time
 *
 * `--iterations` is per target (default 2000). Prints a summary JSON on stdout (per target:
 * iterations, accepted, rejected by code, slowest input) and exits 1 when any input threw something
 * other than a KeylineError or took longer than the bound: 100 ms plus 250 ms per MiB of input, so
 * that linear work on a large input passes and work that grows faster than the input does not. The
 * inputs of such findings are written to .tmp/fuzz-findings/; a target stops after --max-findings
 * (25) of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzTarget, type TargetSummary } from './lib/engine.js';
import { describeError, runOne } from './lib/outcome.js';
import { buildTargets } from './targets.js';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string', multiple: true },
    'bound-ms': { type: 'string', default: '100' },
    'bound-ms-per-mib': { type: 'string', default: '250' },
    'max-findings': { type: 'string', default: '25' },
    list: { type: 'boolean', default: false },
    replay: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const iterations = positiveInt('iterations', values.iterations);
const seed = positiveInt('seed', values.seed);
const boundMs = positiveInt('bound-ms', values['bound-ms']);
const boundMsPerMiB = positiveInt('bound-ms-per-mib', values['bound-ms-per-mib']);
const maxFindings = positiveInt('max-findings', values['max-findings']);
const all = buildTargets();
if (values.list) {
  for (const t of all) console.log(`${t.name.padEnd(36)} ${t.entry}`);
  process.exit(0);
}
const wanted = (values.target ?? []).flatMap((t) => t.split(',')).filter((t) => t !== '');
const unknown = wanted.filter((w) => !all.some((t) => t.name === w));
if (unknown.length > 0) {
  console.error(`unknown target(s): ${unknown.join(', ')}; --list shows them`);
  process.exit(2);
}
const targets = wanted.length === 0 ? all : all.filter((t) => wanted.includes(t.name));

if (values.replay !== undefined) {
  const input = new Uint8Array(readFileSync(values.replay));
  for (const target of targets) {
    const { outcome, ms } = await runOne(target.parse, input, target.throwsAreBugs);
    const what =
      outcome.kind === 'foreign'
        ? `FOREIGN ${describeError(outcome.error)}`
        : outcome.kind === 'rejected'
          ? outcome.code
          : 'accepted';
    console.log(`${target.name}: ${what} in ${ms.toFixed(2)} ms (${input.length} bytes)`);
  }
  process.exit(0);
}

const started = performance.now();
const summaries: Record<string, TargetSummary> = {};
let failures = 0;
for (const target of targets) {
  const t0 = performance.now();
  const summary = await fuzzTarget(target, {
    iterations,
    seed,
    boundMs,
    boundMsPerMiB,
    maxFindings,
    findingsDir: join(process.cwd(), '.tmp', 'fuzz-findings'),
    progressEvery: 10_000,
    onProgress: (done) => {
      if (!values.quiet) process.stderr.write(`  ${target.name}: ${done}/${iterations}\n`);
    },
  });
  summaries[target.name] = summary;
  failures += summary.findingCount;
  if (!values.quiet) {
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    process.stderr.write(
      `${target.name}: ${summary.accepted} accepted, ${summary.iterations - summary.accepted} rejected, ` +
        `slowest ${summary.slowestMs} ms, ${summary.findingCount} findings (${seconds} s)\n`,
    );
  }
}

const report = {
  iterations,
  seed,
  boundMs,
  boundMsPerMiB,
  node: process.version,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  ok: failures === 0,
  findings: failures,
  targets: summaries,
};
console.log(JSON.stringify(report, null, 2));
process.exitCode = failures === 0 ? 0 : 1;
