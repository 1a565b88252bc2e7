/**
 * The factory kill test on a large batch (issue 4, section 4): `npx tsx scripts/factory-kill-20k.ts
 * [--chips 20000] [--kills 20] [--seed N] [--stations K] [--keep] [--bin <keyline.js>]`. Builds nothing:
 * run `npm run build` first; `--bin` runs another build of the binary (for example a copy of the
 * packages, when the checkout may be rebuilt during the run, which takes tens of minutes). The same steps and checks as test/e2e/factory-kill.test.ts (test/e2e/support/factory-kill.ts):
 * a deployment and a tray of blank chips, `keyline factory run --json` killed with SIGKILL at seeded
 * random moments, the batch run to completion and once more, then every chip, certificate and the
 * manifest checked. Prints one JSON summary; exit 0 when no promise was broken, 1 otherwise.
 * Progress goes to stderr. `--keep` leaves the working directory in place for inspection.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { prepareKillDeployment, runWithKills, verifyKillOutcome } from '../test/e2e/support/factory-kill.js';

const { values } = parseArgs({
  options: {
    chips: { type: 'string', default: '20000' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string' },
    stations: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
    bin: { type: 'string' },
  },
});
// Read by the support module when it loads: set before importing it.
if (values.bin !== undefined) process.env['KEYLINE_KILL_BIN'] = values.bin;
const { prepareKillDeployment, runWithKills, verifyKillOutcome } = await import('../test/e2e/support/factory-kill.js');

function integer(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}, not "${text}"\n`);
    process.exit(2);
  }
  return n;
}

const chips = integer('chips', values.chips, 1);
const kills = integer('kills', values.kills, 0);
const stations = integer('stations', values.stations, 1);
const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : integer('seed', values.seed, 0);
const log = (line: string): void => void process.stderr.write(`[factory-kill ${chips} seed ${seed}] ${line}\n`);

const begin = performance.now();
log(`preparing a deployment and a tray of ${chips} chips`);
const deployment = await prepareKillDeployment(chips, { prefix: 'keyline-factory-kill-20k-', stations });
log(`calibration ${JSON.stringify(deployment.calibration)}`);
const preparedMs = Math.round(performance.now() - begin);
log(`prepared in ${preparedMs} ms, in ${deployment.dir}`);
let ok = false;
try {
  const result = await runWithKills(deployment, { kills, seed, stations, batchId: `kill-${seed}`, log });
  log('verifying');
  const verifyStart = performance.now();
  const outcome = await verifyKillOutcome(deployment, result);
  ok = outcome.violations.length === 0 && result.kills >= kills;
  const killed = result.runs.filter((r) => r.outcome === 'killed');
  process.stdout.write(
    `${JSON.stringify(
      {
        ok,
        seed,
        chips,
        stations,
        kills: result.kills,
        runs: result.runs.length,
        killsByKind: result.byKind,
        killsBeforeCompletion: result.killsBeforeCompletion,
        killMoments: killed.map((r) => ({ plan: r.plan, atMs: r.atMs, chipChanges: r.events, after: r.after })),
        completion: result.completion,
        rerun: result.rerun,
        outcome,
        timings: {
          prepareMs: preparedMs,
          killAndCompleteMs: result.wallMs,
          verifyMs: Math.round(performance.now() - verifyStart),
        },
        workDir: values.keep ? deployment.dir : undefined,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  if (!values.keep) deployment.remove();
}
process.exit(ok ? 0 : 1);
