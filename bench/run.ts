/**
 * Benchmark dispatcher: `npm run bench -- NAME [--quick]` runs bench/NAME.ts and prints the one
 * JSON object it returns (DEVELOPERS.md: `{ bench, baseline: { op, perSecond }, results: [...] }`).
 * `--quick` keeps every benchmark under 20 seconds.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from './lib/report.js';

export interface BenchOptions {
  readonly quick: boolean;
}

interface BenchModule {
  run(options: BenchOptions): Promise<BenchReport>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((a) => !a.startsWith('--'));

if (names.length !== 1 || !available.includes(names[0]!)) {
  process.stderr.write(`usage: npm run bench -- <name> [--quick]\navailable: ${available.join(', ')}\n`);
  process.exit(2);
}

const module = (await import(`./${names[0]!}.ts`)) as BenchModule;
const report = await module.run({ quick });
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
