/**
 * The factory line's crash test (issue 4, section 4), in one place for its users:
 * test/e2e/factory-kill.test.ts (CI-sized, in `npm test`, with and without station threads),
 * scripts/factory-kill-20k.ts (a 20,000-chip batch) and test/e2e/factory-threads.test.ts (unkilled runs
 * with `--threads`). Everything goes through the real binary (`npm run build` first):
 *
 *  1. `prepareKillDeployment`: `keyline init`, a root, a manufacturer CA and an issuing CA, a tray of
 *     blank emulated chips (`keyline se tray create`), and a calibration run on a second tray; every
 *     run of the deployment uses its `threads` (`--threads`). `runToEnd` runs the line once, unkilled.
 *  2. `runWithKills`: `keyline factory run … --json` started again and again on the same batch id and
 *     killed with SIGKILL at seeded random moments (in start-up, inside the CA's issuance, after a
 *     random number of chip changes seen in the tray directory, in the re-check of a finished batch),
 *     then run to completion, then run once more (everything must be skipped, nothing issued).
 *  3. `verifyKillOutcome`: reads every chip image, every certificate of the CA (`keyline cert list`),
 *     the chain definition (`keyline factory definition`) and the manifest, and lists every broken
 *     promise: a chip not locked or without its key, a chip with no or two valid certificates, a
 *     certificate rebuilt from the chip that differs from the recorded one, a valid certificate missing
 *     from the manifest or a manifest entry that is not a valid certificate, a certificate neither
 *     valid nor revoked, a duplicated serial, a manifest `keyline manifest verify` refuses, report
 *     counts that do not add up.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { chainDefinitionFromJson, compileChainDefinition, rebuildChainFromChip } from '@keyline/core';
import { PROVISIONING_SLOTS, openTrayChip, traySerials } from '@keyline/se';

/**
 * The binary: the checkout's, or `KEYLINE_KILL_BIN` (the 20,000-chip script's `--bin`), e.g. a copy of
 * the built packages, so that a long run is not disturbed by a rebuild of the checkout.
 */
export const KEYLINE_BIN =
  process.env['KEYLINE_KILL_BIN'] ?? resolve(import.meta.dirname, '../../../packages/keyline/bin/keyline.js');
const PASSPHRASE = 'factory kill test passphrase';
export const MANUFACTURER_ID = '00a1b2';
export const PRODUCT_ID = '00c0ffee';

/** mulberry32: a small seeded generator, so that a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface KillDeployment {
  readonly dir: string;
  readonly dataDir: string;
  readonly trayDir: string;
  readonly manifestPath: string;
  readonly rootPemPath: string;
  readonly issuingCaId: string;
  readonly chips: number;
  /** The line's `--threads` in every run of the deployment (0: the stations in the CLI's own thread). */
  readonly threads: number;
  /** What the line does on this machine, measured on a calibration batch. */
  readonly calibration: Calibration;
  /** Runs the binary with the deployment's data directory and passphrase; never throws on a failing exit. */
  keyline(...args: string[]): SpawnSyncReturns<string>;
  /** The arguments of `keyline factory run` for this deployment's tray and CA (or others). */
  factoryArgs(batchId: string, stations: number, target?: RunTarget): string[];
  remove(): void;
}

interface RunTarget {
  readonly caId: string;
  readonly trayDir: string;
  readonly manifestPath: string;
  readonly count: number;
}

/**
 * The line measured on a calibration batch (24 chips under a second issuing CA, run to its
 * end and then again). Progress is counted in chip-image replacements in the tray directory (each
 * command that changes a chip replaces its image file atomically), which a watcher sees as they
 * happen, whatever the line prints.
 */
export interface Calibration {
  readonly chips: number;
  /** From the start of the process to the first chip change. */
  readonly startupMs: number;
  /** Chip changes per fresh chip (key, slot writes, lock). */
  readonly eventsPerChip: number;
  /** Chip changes while the line makes the keys of a fresh batch (phase A of each chunk). */
  readonly keyEventsPerChip: number;
  /** The run over a finished batch (every chip re-checked), per chip, after start-up. */
  readonly recheckMsPerChip: number;
}

function expectOk(run: SpawnSyncReturns<string>, what: string): string {
  if (run.status !== 0) throw new Error(`${what} → exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, KEYLINE_PASSPHRASE: PASSPHRASE };
  delete env['KEYLINE_DB'];
  delete env['KEYLINE_DATA'];
  return env;
}

const CHIP_IMAGE = /^[0-9a-f]{18}\.chip$/;

/**
 * Counts replacements of chip images in a tray directory, with the time of the first and the count
 * reached before any chip changed twice (in a fresh batch: the key generations of phase A).
 */
function watchTray(
  trayDir: string,
  onEvent?: (count: number) => void,
): { count(): number; firstAt(): number | undefined; beforeSecondChange(): number | undefined; close(): void } {
  let count = 0;
  let first: number | undefined;
  let beforeSecond: number | undefined;
  const seen = new Set<string>();
  const watcher = watch(trayDir, (event, name) => {
    if (event !== 'rename' || name === null || !CHIP_IMAGE.test(String(name))) return;
    if (beforeSecond === undefined && seen.has(String(name))) beforeSecond = count;
    seen.add(String(name));
    count++;
    first ??= performance.now();
    onEvent?.(count);
  });
  return {
    count: () => count,
    firstAt: () => first,
    beforeSecondChange: () => beforeSecond,
    close: () => watcher.close(),
  };
}

/**
 * A data directory with a root, a manufacturer CA and an issuing CA, a tray of `chips` blank chips,
 * and the calibration (see `Calibration`), made with a second issuing CA on a second tray.
 */
export async function prepareKillDeployment(
  chips: number,
  options: { prefix?: string; stations?: number; threads?: number } = {},
): Promise<KillDeployment> {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'keyline-factory-kill-'));
  const dataDir = join(dir, 'data');
  const trayDir = join(dir, 'tray');
  const env = cliEnv();
  const keyline = (...args: string[]): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [KEYLINE_BIN, '--data', dataDir, ...args], {
      env,
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
  const json = <T>(...args: string[]): T => JSON.parse(expectOk(keyline(...args, '--json'), args.join(' '))) as T;
  const issuingCa = (label: string): string =>
    json<{ id: string }>(
      'ca',
      'create',
      '--parent',
      'maker',
      '--name',
      `Kill Test ${label}`,
      '--kind',
      'issuing',
      '--manufacturer-id',
      MANUFACTURER_ID,
      '--product-id',
      PRODUCT_ID,
      '--label',
      label,
      '--curve',
      'P-256',
    ).id;
  const manifestPath = join(dir, 'manifest.jsonl');
  const threads = options.threads ?? 0;
  let issuingCaId = '';
  const factoryArgs: KillDeployment['factoryArgs'] = (batchId, stations, target) => [
    KEYLINE_BIN,
    '--data',
    dataDir,
    'factory',
    'run',
    '--ca',
    target?.caId ?? issuingCaId,
    '--product-id',
    PRODUCT_ID,
    '--count',
    String(target?.count ?? chips),
    '--se',
    `emulator:${target?.trayDir ?? trayDir}`,
    '--stations',
    String(stations),
    '--batch',
    batchId,
    '--manifest',
    target?.manifestPath ?? manifestPath,
    '--json',
    // Left out at 0, so that the unthreaded runs stay the command line they always were.
    ...(threads > 0 ? ['--threads', String(threads)] : []),
  ];
  try {
    json('init');
    const root = json<{ id: string }>('root', 'create', '--name', 'Kill Test Root', '--label', 'root');
    json(
      'ca',
      'create',
      '--parent',
      root.id,
      '--name',
      'Kill Test Manufacturer CA',
      '--kind',
      'manufacturer',
      '--manufacturer-id',
      MANUFACTURER_ID,
      '--label',
      'maker',
      '--curve',
      'P-256',
    );
    issuingCaId = issuingCa('line');
    const rootPemPath = join(dir, 'root.pem');
    writeFileSync(rootPemPath, expectOk(keyline('ca', 'show', root.id, '--pem'), 'ca show root --pem'));
    expectOk(keyline('se', 'tray', 'create', '--count', String(chips), trayDir), 'se tray create');

    // Calibration: a small batch under its own CA, run to its end, then again.
    const count = Math.min(chips, 24);
    const target: RunTarget = {
      caId: issuingCa('calibration'),
      trayDir: join(dir, 'calibration-tray'),
      manifestPath: join(dir, 'calibration.jsonl'),
      count,
    };
    expectOk(keyline('se', 'tray', 'create', '--count', String(count), target.trayDir), 'se tray create');
    const timed = async (): Promise<{
      ms: number;
      events: number;
      keyEvents: number;
      firstMs?: number;
      report: FactoryReportLine;
    }> => {
      const start = performance.now();
      const watcher = watchTray(target.trayDir);
      const child = spawn(process.execPath, factoryArgs('calibration', options.stations ?? 4, target), { env });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      const code = await new Promise<number | null>((ok) => child.once('close', ok));
      const ms = performance.now() - start;
      await new Promise((ok) => setTimeout(ok, 50));
      watcher.close();
      const keyEvents = watcher.beforeSecondChange();
      if (code !== 0) throw new Error(`calibration run → exit ${code}\n${out}\n${err}`);
      const firstAt = watcher.firstAt();
      return {
        ms,
        events: watcher.count(),
        keyEvents: keyEvents ?? watcher.count(),
        ...(firstAt === undefined ? {} : { firstMs: firstAt - start }),
        report: JSON.parse(out.trim().split('\n').pop()!) as FactoryReportLine,
      };
    };
    const full = await timed();
    const again = await timed();
    const calibration: Calibration = {
      chips: count,
      startupMs: full.firstMs ?? full.ms - full.report.durationMs,
      eventsPerChip: full.events / count,
      keyEventsPerChip: Math.min(full.keyEvents, full.events) / count,
      recheckMsPerChip: again.report.durationMs / count,
    };
    return {
      dir,
      dataDir,
      trayDir,
      manifestPath,
      rootPemPath,
      issuingCaId,
      chips,
      threads,
      calibration,
      keyline,
      factoryArgs,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The final line `keyline factory run --json` prints. */
export interface FactoryReportLine {
  readonly type: 'report';
  readonly batchId: string;
  readonly caId: string;
  readonly total: number;
  readonly done: number;
  readonly skipped: number;
  readonly quarantined: number;
  readonly revoked: number;
  readonly durationMs: number;
  readonly chipsPerSecond: number;
  readonly manifestPath: string;
  readonly quarantine: readonly unknown[];
}

/** Chips of a batch per journal state, and the CA's certificates per status, read from the SQLite file. */
export interface StoreCounts {
  readonly chips: Readonly<Record<string, number>>;
  readonly certificates: Readonly<Record<string, number>>;
}

/** Reads the journal and the CA's certificate counts (between runs: no process holds the batch). */
export function storeCounts(deployment: KillDeployment, batchId: string): StoreCounts {
  const db = new Database(join(deployment.dataDir, 'keyline.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = (sql: string, arg: string): Record<string, number> =>
      Object.fromEntries((db.prepare(sql).all(arg) as { k: string; n: number }[]).map((r) => [r.k, r.n]));
    return {
      chips: rows('SELECT state AS k, count(*) AS n FROM factory_chips WHERE batch_id = ? GROUP BY state', batchId),
      certificates: rows(
        'SELECT status AS k, count(*) AS n FROM certificates WHERE ca_id = ? GROUP BY status',
        deployment.issuingCaId,
      ),
    };
  } finally {
    db.close();
  }
}

/**
 * Chips of the tray whose data zone is locked, read from their images between runs; above 2,000 chips
 * (reading them all after each kill would take longer than the runs) estimated from the journal.
 */
async function lockedChips(trayDir: string, chips: number, journal: Readonly<Record<string, number>>): Promise<number> {
  if (chips > 2000) return (journal['done'] ?? 0) + (journal['locked'] ?? 0) + (journal['quarantined'] ?? 0);
  let locked = 0;
  for (const serialHex of await traySerials(trayDir)) {
    if ((await openTrayChip(trayDir, serialHex)).summary().dataLocked) locked++;
  }
  return locked;
}

/** How a run is to be killed. */
export type KillPlan =
  /** A delay from the start of the process, within start-up. */
  | { readonly kind: 'startup'; readonly afterMs: number }
  /** After the run's `events`-th chip change (plus a delay of a few ms): inside the chips' work. */
  | { readonly kind: 'chips'; readonly events: number; readonly afterMs: number }
  /** The same, within the key generation of phase A (before the journal records the keys). */
  | { readonly kind: 'keys'; readonly events: number; readonly afterMs: number }
  /** After the run's last key of phase A, a delay: inside the CA's issuance of the chunk. */
  | { readonly kind: 'issuance'; readonly events: number; readonly afterMs: number }
  /**
   * Every chip is locked already: after the line reports `chips` chips finished in this run (its
   * progress lines, one per chunk of 256: re-checked chips count), a delay of up to 150 ms.
   */
  | { readonly kind: 'tail'; readonly chips: number; readonly afterMs: number }
  /** The batch completed before every kill was made: a delay within a re-run of it. */
  | { readonly kind: 'rerun'; readonly afterMs: number };

/** A `{"type":"progress"}` line of `keyline factory run --json`. */
export interface FactoryProgressLine {
  readonly type: 'progress';
  readonly done: number;
  readonly skipped: number;
  readonly quarantined: number;
  readonly total: number;
}

/** What is known of one start of the line. */
export interface RunRecord {
  readonly plan: KillPlan | null;
  /** How the process ended: killed by us, or exited on its own with a code. */
  readonly outcome: 'killed' | 'exited';
  readonly exitCode: number | null;
  /** Milliseconds from the start of the process to the kill (or its exit). */
  readonly atMs: number;
  /** Chip changes the run had made when it died. */
  readonly events: number;
  /** The journal and the CA's records right after the run, and how many chips were locked. */
  readonly after: StoreCounts & { readonly lockedChips: number };
  readonly report?: FactoryReportLine;
  /** The last progress line it printed. */
  readonly progress?: FactoryProgressLine;
  readonly stderrTail?: string;
}

export interface KillRunOptions {
  readonly kills: number;
  readonly seed: number;
  readonly stations: number;
  readonly batchId: string;
  readonly log?: (line: string) => void;
}

export interface KillRunResult {
  readonly seed: number;
  readonly kills: number;
  readonly runs: readonly RunRecord[];
  /** Kills per plan kind. */
  readonly byKind: Readonly<Record<string, number>>;
  /** Kills made before a run completed the batch (all of them, unless one completed it early). */
  readonly killsBeforeCompletion: number;
  /** The report of the run that completed the batch, and of the run after it (everything skipped). */
  readonly completion: FactoryReportLine;
  readonly rerun: FactoryReportLine;
  readonly wallMs: number;
}

/** Starts the line once and kills it as `plan` says. */
async function startRun(
  deployment: KillDeployment,
  options: Pick<KillRunOptions, 'batchId' | 'stations'>,
  plan: KillPlan | null,
): Promise<Omit<RunRecord, 'after'>> {
  const started = performance.now();
  let killedAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const child = spawn(process.execPath, deployment.factoryArgs(options.batchId, options.stations), {
    env: cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killNow = (): void => {
    if (killedAt !== undefined || child.exitCode !== null) return;
    killedAt = performance.now() - started;
    child.kill('SIGKILL');
  };
  const arm = (ms: number): void => {
    if (timer === undefined) timer = setTimeout(killNow, ms);
  };
  const watcher = watchTray(deployment.trayDir, (count) => {
    if (plan !== null && 'events' in plan && count >= plan.events) arm(plan.afterMs);
  });
  if (plan !== null && (plan.kind === 'startup' || plan.kind === 'rerun')) arm(plan.afterMs);
  if (plan !== null && plan.kind === 'issuance' && plan.events === 0) arm(plan.afterMs);
  let stderr = '';
  let report: FactoryReportLine | undefined;
  let progress: FactoryProgressLine | undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (text.startsWith('{"type":"report"')) report = JSON.parse(text) as FactoryReportLine;
    else if (text.startsWith('{"type":"progress"')) {
      const p = (progress = JSON.parse(text) as FactoryProgressLine);
      if (plan?.kind === 'tail' && p.done + p.skipped + p.quarantined >= plan.chips) arm(plan.afterMs);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((ok, ko) => {
    child.once('error', ko);
    child.once('close', (c, s) => ok([c, s]));
  });
  if (timer !== undefined) clearTimeout(timer);
  watcher.close();
  const killed = signal === 'SIGKILL' && killedAt !== undefined;
  return {
    plan,
    outcome: killed ? 'killed' : 'exited',
    exitCode: code,
    atMs: Math.round(killed ? killedAt! : performance.now() - started),
    events: watcher.count(),
    ...(report === undefined ? {} : { report }),
    ...(progress === undefined ? {} : { progress }),
    ...(killed || code === 0 ? {} : { stderrTail: stderr }),
  };
}

/** Runs the line once on the deployment's tray, to its end (nothing killed): its exit, report and last progress line. */
export function runToEnd(
  deployment: KillDeployment,
  options: Pick<KillRunOptions, 'batchId' | 'stations'>,
): Promise<Omit<RunRecord, 'after'>> {
  return startRun(deployment, options, null);
}

/**
 * Kills the line `options.kills` times at seeded random moments, then runs the batch to completion and
 * once more. Each kill's moment is drawn from what is left to do (the journal, the locked chips, the
 * calibration), by a plan:
 *   - `startup` (10 %): a uniform delay within the start-up (before the first chip changes);
 *   - while chips wait for keys (the first kill `keys`, the second `issuance`, then 20 % each): `keys`,
 *     after a uniform number of the key generations (phase A, before the journal has them), or
 *     `issuance`, right after the run's last key plus a uniform delay up to 150 ms, inside the CA's
 *     issuance of the chunk and the journal updates around it (or, on a fast machine, early in the
 *     writes after it);
 *   - `chips` (the rest): after a uniform number of the chip changes still to come, plus 0–5 ms,
 *     inside key generation, slot writes and locks. The window starts narrow (4/(kills left) of the
 *     remaining changes) and widens as kills are used up, so the batch advances across the whole
 *     series instead of finishing in its first runs;
 *   - `tail`, once every chip is locked: after the line reports a uniform number of chips finished in
 *     this run (re-checked ones included; one progress line per chunk), plus up to 150 ms: inside the
 *     re-checks, the journal's `done` updates, the manifest.
 * After those, one more run is aimed at the batch's finish (`tail` after the progress line that reports
 * every chip finished, plus up to 150 ms: the manifest, the batch's completion); it counts only if it
 * lands. A run that ends on its own before its kill is recorded and
 * not counted.
 */
export async function runWithKills(deployment: KillDeployment, options: KillRunOptions): Promise<KillRunResult> {
  const random = seededRandom(options.seed);
  const log = options.log ?? (() => undefined);
  const cal = deployment.calibration;
  const begin = performance.now();
  const runs: RunRecord[] = [];
  const byKind: Record<string, number> = {};
  let kills = 0;
  let completion: FactoryReportLine | undefined;
  let after: RunRecord['after'] = { chips: {}, certificates: {}, lockedChips: 0 };
  /** Set when a run completed the batch before all kills were made: later kills hit re-runs of it. */
  let completedRunMs: number | undefined;
  let killsBeforeCompletion: number | undefined;
  for (let attempts = 0; kills < options.kills; attempts++) {
    if (attempts > options.kills * 4) throw new Error(`too many runs without a kill: ${JSON.stringify(runs)}`);
    if (completedRunMs !== undefined) {
      // The batch is complete: a re-run re-checks every chip and writes the manifest again.
      const plan: KillPlan = { kind: 'rerun', afterMs: random() * 0.9 * completedRunMs };
      const record = await startRun(deployment, options, plan);
      const counts = storeCounts(deployment, options.batchId);
      after = { ...counts, lockedChips: await lockedChips(deployment.trayDir, deployment.chips, counts.chips) };
      runs.push({ ...record, after });
      if (record.outcome === 'killed') {
        kills++;
        byKind[plan.kind] = (byKind[plan.kind] ?? 0) + 1;
        log(`kill ${kills}/${options.kills}: rerun of the complete batch at ${record.atMs} ms`);
      } else if (record.exitCode !== 0) {
        throw new Error(`factory run failed: exit ${record.exitCode}\n${record.stderrTail ?? ''}`);
      }
      continue;
    }
    const state = (name: string): number => after.chips[name] ?? 0;
    const unlocked = deployment.chips - after.lockedChips;
    // Chips that will get a key in this run: not yet issued (made again, or for the first time).
    const needKeys = deployment.chips - state('issued') - state('locked') - state('done') - state('quarantined');
    const remainingEvents =
      needKeys * cal.eventsPerChip + (unlocked - needKeys) * (cal.eventsPerChip - cal.keyEventsPerChip);
    const draw = random();
    let plan: KillPlan;
    if (kills === 0 && needKeys > 0) {
      // The first kill always falls among the key generations (before the journal has the keys), the
      // second right after them, inside the CA's issuance; both happen once per chunk.
      plan = {
        kind: 'keys',
        events: 1 + Math.floor(draw * 0.9 * needKeys * cal.keyEventsPerChip),
        afterMs: random() * 5,
      };
    } else if (kills === 1 && needKeys > 0) {
      plan = { kind: 'issuance', events: Math.round(needKeys * cal.keyEventsPerChip), afterMs: draw * 150 };
    } else if (draw < 0.1) {
      plan = { kind: 'startup', afterMs: random() * cal.startupMs };
    } else if (unlocked === 0 || remainingEvents < 1) {
      plan = { kind: 'tail', chips: 1 + Math.floor(random() * deployment.chips), afterMs: random() * 150 };
    } else if (needKeys > 0 && draw < 0.3) {
      plan = {
        kind: 'keys',
        events: 1 + Math.floor(random() * needKeys * cal.keyEventsPerChip),
        afterMs: random() * 5,
      };
    } else if (needKeys > 0 && draw < 0.5) {
      plan = { kind: 'issuance', events: Math.round(needKeys * cal.keyEventsPerChip), afterMs: random() * 150 };
    } else {
      const window = Math.min(0.9, 4 / (options.kills - kills));
      // The watcher may see fewer changes than were made (inotify merges events it has not delivered
      // yet), so aim within 60 % of the estimate: a target beyond what it sees would never fire.
      plan = {
        kind: 'chips',
        events: 1 + Math.floor(random() * window * 0.6 * remainingEvents),
        afterMs: random() * 5,
      };
    }
    const record = await startRun(deployment, options, plan);
    const counts = storeCounts(deployment, options.batchId);
    after = { ...counts, lockedChips: await lockedChips(deployment.trayDir, deployment.chips, counts.chips) };
    runs.push({ ...record, after });
    if (record.outcome === 'killed') {
      kills++;
      byKind[plan.kind] = (byKind[plan.kind] ?? 0) + 1;
      log(
        `kill ${kills}/${options.kills}: ${JSON.stringify(plan, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}` +
          ` at ${record.atMs} ms after ${record.events} chip changes; then journal ${JSON.stringify(after.chips)}, ` +
          `locked ${after.lockedChips}, certificates ${JSON.stringify(after.certificates)}`,
      );
    } else {
      log(
        `run ended before its kill (${plan.kind}): exit ${record.exitCode} after ${record.atMs} ms, ` +
          `${record.events} chip changes seen`,
      );
      if (record.exitCode !== 0 || record.report === undefined) {
        throw new Error(`factory run failed: exit ${record.exitCode}\n${record.stderrTail ?? ''}`);
      }
      completedRunMs = record.atMs;
      killsBeforeCompletion = kills;
    }
  }
  if (killsBeforeCompletion === undefined) {
    // One more, not counted unless it lands: after the line's last progress line (all chips finished)
    // plus up to 150 ms, where it writes the manifest and completes the batch.
    const plan: KillPlan = { kind: 'tail', chips: deployment.chips, afterMs: random() * 150 };
    const record = await startRun(deployment, options, plan);
    const counts = storeCounts(deployment, options.batchId);
    after = { ...counts, lockedChips: await lockedChips(deployment.trayDir, deployment.chips, counts.chips) };
    runs.push({ ...record, after });
    if (record.outcome === 'killed') {
      kills++;
      byKind[plan.kind] = (byKind[plan.kind] ?? 0) + 1;
      log(
        `extra kill (${plan.kind}) at ${record.atMs} ms after ${record.events} chip changes; then journal ${JSON.stringify(after.chips)}`,
      );
    } else if (record.exitCode === 0 && record.report !== undefined) {
      log(`the extra run (${plan.kind}) completed the batch before its kill`);
      completion = record.report;
    } else {
      throw new Error(`factory run failed: exit ${record.exitCode}\n${record.stderrTail ?? ''}`);
    }
  }
  if (completion === undefined) {
    const final = await startRun(deployment, options, null);
    const counts = storeCounts(deployment, options.batchId);
    runs.push({
      ...final,
      after: { ...counts, lockedChips: await lockedChips(deployment.trayDir, deployment.chips, counts.chips) },
    });
    if (final.exitCode !== 0 || final.report === undefined) {
      throw new Error(`the completing run failed: exit ${final.exitCode}\n${final.stderrTail ?? ''}`);
    }
    completion = final.report;
  }
  const again = await startRun(deployment, options, null);
  if (again.exitCode !== 0 || again.report === undefined) {
    throw new Error(`the run after completion failed: exit ${again.exitCode}\n${again.stderrTail ?? ''}`);
  }
  log(`completed: ${JSON.stringify(summaryOf(completion))}; again: ${JSON.stringify(summaryOf(again.report))}`);
  return {
    seed: options.seed,
    kills,
    runs,
    byKind,
    killsBeforeCompletion: killsBeforeCompletion ?? kills,
    completion,
    rerun: again.report,
    wallMs: Math.round(performance.now() - begin),
  };
}

function summaryOf(r: FactoryReportLine): Record<string, number> {
  return { total: r.total, done: r.done, skipped: r.skipped, quarantined: r.quarantined, revoked: r.revoked };
}

/** A certificate as `keyline cert list --json` shows it (the fields used here). */
export interface CertificateLine {
  readonly serial: string;
  readonly status: string;
  readonly profile: string;
  readonly deviceId: string | null;
  readonly chipSerial: string | null;
  readonly fingerprint: string | null;
}

/** Every certificate of a CA, page by page (the cursor of the next page is on stderr). */
export function listCertificates(deployment: KillDeployment, caId: string): CertificateLine[] {
  const out: CertificateLine[] = [];
  let cursor: string | undefined;
  for (;;) {
    const args = ['cert', 'list', '--ca', caId, '--limit', '1000', '--json', ...(cursor ? ['--cursor', cursor] : [])];
    const run = deployment.keyline(...args);
    out.push(...(JSON.parse(expectOk(run, 'cert list')) as CertificateLine[]));
    const next = /--cursor (\S+)/.exec(run.stderr);
    if (next === null) return out;
    cursor = next[1]!;
  }
}

interface ManifestDevice {
  readonly index: number;
  readonly deviceId: string;
  readonly chipSerial: string;
  readonly certificate: string;
}

async function readManifestDevices(path: string): Promise<ManifestDevice[]> {
  const devices: ManifestDevice[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const text of lines) {
    const line = JSON.parse(text) as { type: string } & ManifestDevice;
    if (line.type === 'device') devices.push(line);
  }
  return devices;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export interface KillOutcome {
  readonly chips: number;
  readonly lockedChips: number;
  readonly validCertificates: number;
  readonly revokedCertificates: number;
  /** Records that never became a certificate (reserved, or failed: proved never signed). */
  readonly unsignedRecords: number;
  readonly otherCertificates: number;
  readonly manifestEntries: number;
  readonly rebuiltIdentical: number;
  readonly manifestVerifyExit: number | null;
  /** Every broken promise found; empty when the batch is sound. */
  readonly violations: readonly string[];
}

/**
 * Checks every promise of section 4 on the deployment after `runWithKills`, or after any runs whose
 * `completion` finished the batch and whose `rerun` ran it once more; see the header.
 */
export async function verifyKillOutcome(
  deployment: KillDeployment,
  result: Pick<KillRunResult, 'completion' | 'rerun'>,
): Promise<KillOutcome> {
  const violations: string[] = [];
  const violation = (text: string): void => {
    if (violations.length < 50) violations.push(text);
    else if (violations.length === 50) violations.push('… (more)');
  };

  // The certificates the CA recorded.
  const all = listCertificates(deployment, deployment.issuingCaId);
  const devices = all.filter((c) => c.profile === 'device' || c.chipSerial !== null);
  const serials = new Set<string>();
  for (const c of all) {
    if (serials.has(c.serial)) violation(`serial ${c.serial} is recorded twice`);
    serials.add(c.serial);
  }
  const validByChip = new Map<string, CertificateLine[]>();
  let revoked = 0;
  let unsigned = 0;
  for (const c of devices) {
    if (c.status === 'valid') {
      const key = c.chipSerial ?? `(no chip serial: ${c.serial})`;
      validByChip.set(key, [...(validByChip.get(key) ?? []), c]);
    } else if (c.status === 'revoked') revoked++;
    else if (c.status === 'reserved' || c.status === 'failed') unsigned++;
    else violation(`certificate ${c.serial} of chip ${c.chipSerial} is left ${c.status}: neither valid nor revoked`);
  }

  // The chips, rebuilt through the chain definition.
  const definitionRun = deployment.keyline('factory', 'definition', '--ca', deployment.issuingCaId);
  const definition = compileChainDefinition(
    chainDefinitionFromJson(JSON.parse(expectOk(definitionRun, 'factory definition'))),
  );
  const issuingPem = expectOk(deployment.keyline('ca', 'show', deployment.issuingCaId, '--pem'), 'ca show --pem');
  const issuingDer = Buffer.from(issuingPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const trayChips = await traySerials(deployment.trayDir);
  if (trayChips.length !== deployment.chips) violation(`the tray holds ${trayChips.length} chips`);
  let locked = 0;
  let identical = 0;
  for (const serialHex of trayChips) {
    const chip = await openTrayChip(deployment.trayDir, serialHex);
    const summary = chip.summary();
    const element = chip.element();
    if (!summary.dataLocked) violation(`chip ${serialHex}: data zone not locked`);
    else locked++;
    if (!summary.keySlots.includes(0)) violation(`chip ${serialHex}: no identity key in slot 0`);
    const valid = validByChip.get(serialHex) ?? [];
    validByChip.delete(serialHex);
    if (valid.length !== 1) {
      violation(`chip ${serialHex}: ${valid.length} valid certificates`);
      await element.close();
      continue;
    }
    try {
      const rebuilt = rebuildChainFromChip(definition, {
        slot8: await element.read(PROVISIONING_SLOTS.deviceCertificate, 0, 416),
        slot9: await element.read(PROVISIONING_SLOTS.signerPublicKey, 0, 72),
        chipSerial: chip.serialNumber,
        publicKey: await element.getPublicKey(PROVISIONING_SLOTS.identityKey),
      });
      if (!issuingDer.equals(rebuilt.signer)) violation(`chip ${serialHex}: the rebuilt signer is not the issuing CA`);
      if (sha256(rebuilt.device) === valid[0]!.fingerprint) identical++;
      else violation(`chip ${serialHex}: the certificate rebuilt from the chip differs from the recorded one`);
    } catch (error) {
      violation(`chip ${serialHex}: cannot rebuild its certificate: ${(error as Error).message}`);
    }
    await element.close();
  }
  for (const [chipSerial, certs] of validByChip) {
    violation(`${certs.length} valid certificate(s) for ${chipSerial}, which is not a chip of the tray`);
  }

  // The manifest: exactly the valid certificates, one entry per chip.
  const entries = await readManifestDevices(deployment.manifestPath);
  const validFingerprints = new Set(devices.filter((c) => c.status === 'valid').map((c) => c.fingerprint));
  const seenChips = new Set<string>();
  const seenFingerprints = new Set<string>();
  for (const entry of entries) {
    const fingerprint = sha256(Buffer.from(entry.certificate, 'base64'));
    if (!validFingerprints.has(fingerprint))
      violation(`manifest entry ${entry.index}: not a valid certificate of the CA`);
    if (seenChips.has(entry.chipSerial)) violation(`manifest entry ${entry.index}: chip ${entry.chipSerial} again`);
    seenChips.add(entry.chipSerial);
    seenFingerprints.add(fingerprint);
  }
  for (const c of devices) {
    if (c.status === 'valid' && !seenFingerprints.has(c.fingerprint!))
      violation(`valid certificate ${c.serial} (chip ${c.chipSerial}) is not in the manifest and not revoked`);
  }
  const verifyRun = deployment.keyline(
    'manifest',
    'verify',
    '--trust',
    deployment.rootPemPath,
    deployment.manifestPath,
  );
  if (verifyRun.status !== 0)
    violation(`keyline manifest verify: exit ${verifyRun.status}: ${verifyRun.stdout.trim()}`);

  // The reports.
  const { completion, rerun } = result;
  if (completion.total !== deployment.chips) violation(`report total ${completion.total}, not ${deployment.chips}`);
  if (completion.done + completion.skipped + completion.quarantined !== completion.total) {
    violation(
      `report: done ${completion.done} + skipped ${completion.skipped} + quarantined ${completion.quarantined} ≠ total ${completion.total}`,
    );
  }
  if (completion.quarantined !== 0) violation(`report: ${completion.quarantined} chips quarantined after kills alone`);
  if (rerun.skipped !== deployment.chips || rerun.done !== 0 || rerun.revoked !== completion.revoked) {
    violation(`the run after completion did work: ${JSON.stringify(summaryOf(rerun))}`);
  }
  if (completion.revoked !== revoked) {
    violation(`report: ${completion.revoked} revocations, the CA has ${revoked} revoked certificates`);
  }
  if (entries.length !== trayChips.length)
    violation(`manifest has ${entries.length} entries for ${trayChips.length} chips`);

  return {
    chips: trayChips.length,
    lockedChips: locked,
    validCertificates: devices.filter((c) => c.status === 'valid').length,
    revokedCertificates: revoked,
    unsignedRecords: unsigned,
    otherCertificates: all.length - devices.length,
    manifestEntries: entries.length,
    rebuiltIdentical: identical,
    manifestVerifyExit: verifyRun.status,
    violations,
  };
}
