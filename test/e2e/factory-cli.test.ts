import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openTrayChip } from '@keyline/se';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `keyline factory run` and `keyline factory definition` through the real binary (`npm run build`
 * first): a 1,000-chip batch on the emulator with the default (durable) persistence, its JSON
 * progress and report lines, the manifest `keyline manifest verify` accepts and refuses once
 * tampered, a resumed run that skips every chip, the exit codes, and `--retry-quarantined` on a
 * small tray whose chip was quarantined by a transient fault, and `--job`: a batch job file whose
 * relative paths are taken from its folder, flags overriding it, and the report naming it.
 */

const bin = resolve(import.meta.dirname, '../../packages/keyline/bin/keyline.js');
const dir = mkdtempSync(join(tmpdir(), 'keyline-factory-cli-'));
const data = join(dir, 'data');
const tray = join(dir, 'tray');
const env: NodeJS.ProcessEnv = { ...process.env, KEYLINE_PASSPHRASE: 'factory-cli-test-passphrase' };
delete env['KEYLINE_DB'];
delete env['KEYLINE_DATA'];
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHIPS = Number(process.env['KEYLINE_FACTORY_CLI_CHIPS'] ?? 1000);

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the binary without blocking this worker (a minute-long spawnSync starves vitest's RPC
 * heartbeat): resolves with the exit status and output.
 */
function keyline(...args: string[]): Promise<Run> {
  return keylineWithInput(undefined, ...args);
}

/** keyline, with `input` written to its standard input (closed after it). */
function keylineWithInput(input: string | undefined, ...args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, '--data', data, ...args], { env });
    if (input !== undefined) child.stdin.end(input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', fail);
    child.on('close', (status) =>
      done({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

async function ok(pending: Run | Promise<Run>, what: string): Promise<string> {
  const run = await pending;
  if (run.status !== 0) throw new Error(`${what}: exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

interface ReportLine {
  type: 'report';
  batchId: string;
  total: number;
  done: number;
  skipped: number;
  quarantined: number;
  revoked: number;
  durationMs: number;
  chipsPerSecond: number;
  manifestPath: string;
  quarantine: unknown[];
  retried: number;
  notRetried: unknown[];
  job?: { path: string; sha256: string };
}

describe('keyline factory, through the real binary', () => {
  let issuingId = '';
  const rootPem = join(dir, 'root.pem');
  const manifest = join(dir, 'batch.jsonl');
  /** `keyline factory run` of batch cli-1 over the whole tray: each test runs the same batch again. */
  const runBatch = (...extra: string[]) =>
    keyline(
      'factory',
      'run',
      '--ca',
      issuingId,
      '--product-id',
      'c0ffee',
      '--count',
      String(CHIPS),
      '--se',
      `emulator:${tray}`,
      '--stations',
      '8',
      '--batch',
      'cli-1',
      '--manifest',
      manifest,
      ...extra,
    );

  it(
    'sets up a hierarchy whose issuing CA is compressible, and prints its chain definition',
    { timeout: 300_000 },
    async () => {
      await ok(keyline('init', '--json'), 'init');
      const root = JSON.parse(await ok(keyline('root', 'create', '--name', 'Factory Root', '--json'), 'root')) as {
        id: string;
      };
      const maker = JSON.parse(
        await ok(
          keyline(
            'ca',
            'create',
            '--parent',
            root.id,
            '--name',
            'Acme Maker CA',
            '--kind',
            'manufacturer',
            '--manufacturer-id',
            'acme',
            '--json',
          ),
          'manufacturer CA',
        ),
      ) as { id: string };
      issuingId = (
        JSON.parse(
          await ok(
            keyline(
              'ca',
              'create',
              '--parent',
              maker.id,
              '--name',
              'Acme Line CA',
              '--kind',
              'issuing',
              '--manufacturer-id',
              'acme',
              '--product-id',
              'c0ffee',
              '--json',
            ),
            'issuing CA',
          ),
        ) as { id: string }
      ).id;
      writeFileSync(rootPem, await ok(keyline('ca', 'show', root.id, '--pem'), 'ca show'));
      const definition = JSON.parse(await ok(keyline('factory', 'definition', '--ca', issuingId), 'definition')) as {
        version: number;
        signer: { manufacturerId: string };
        device: { productId: string };
      };
      expect(definition).toMatchObject({
        version: 1,
        signer: { manufacturerId: 'acme' },
        device: { productId: 'c0ffee' },
      });
      await ok(keyline('se', 'tray', 'create', '--count', String(CHIPS), tray), 'tray');
    },
  );

  it(
    `provisions ${CHIPS} chips with progress lines and a report, and the manifest verifies`,
    { timeout: 600_000 },
    async () => {
      const started = performance.now();
      const run = await runBatch('--json');
      const wallMs = performance.now() - started;
      const lines = (await ok(run, 'factory run'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      const report = lines.at(-1) as ReportLine;
      expect(report).toMatchObject({
        type: 'report',
        batchId: 'cli-1',
        total: CHIPS,
        done: CHIPS,
        skipped: 0,
        quarantined: 0,
        revoked: 0,
      });
      expect(report.manifestPath).toBe(manifest);
      const progress = lines.filter((l) => l.type === 'progress') as unknown as { done: number; total: number }[];
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)).toMatchObject({ done: CHIPS, total: CHIPS });
      process.stdout.write(
        `[factory-cli] ${CHIPS} chips, durable emulator images: ${report.chipsPerSecond.toFixed(1)} chips/s in the line, ${(wallMs / 1000).toFixed(1)} s wall\n`,
      );
      const verified = await keyline('manifest', 'verify', '--trust', rootPem, manifest);
      expect(verified.status).toBe(0);
      expect(verified.stdout).toContain(`${CHIPS} devices`);
      // A changed byte is refused.
      const text = readFileSync(manifest, 'utf8');
      const tampered = join(dir, 'tampered.jsonl');
      writeFileSync(tampered, text.replace('"index":7,"deviceId":"0123', '"index":7,"deviceId":"0124'));
      expect((await keyline('manifest', 'verify', '--trust', rootPem, tampered)).status).toBe(1);
      // Every chip's data zone is locked.
      const chips = JSON.parse(await ok(keyline('se', 'tray', 'list', '--json', tray), 'tray list')) as {
        dataLocked: boolean;
      }[];
      expect(chips.filter((c) => c.dataLocked)).toHaveLength(CHIPS);
    },
  );

  it(
    'resumes the finished batch: every chip re-checked and skipped; readable text without --json',
    { timeout: 600_000 },
    async () => {
      const run = runBatch();
      const out = await ok(run, 'factory run again');
      expect(out).toMatch(new RegExp(`skipped:\\s+${CHIPS}\\b`));
      expect(out).toMatch(/done:\s+0\b/);
      expect((await keyline('manifest', 'verify', '--trust', rootPem, manifest)).status).toBe(0);
    },
  );

  it('exit codes: 2 for bad usage, 1 for a refused batch or nothing to provision', { timeout: 120_000 }, async () => {
    const base = ['factory', 'run', '--ca', issuingId, '--product-id', 'c0ffee', '--se', `emulator:${tray}`];
    expect((await keyline(...base, '--count', 'many')).status).toBe(2);
    expect((await keyline(...base, '--count', '2', '--stations', '0')).status).toBe(2);
    expect(
      (await keyline('factory', 'run', '--ca', issuingId, '--product-id', 'c0ffee', '--count', '2', '--se', 'usb:0'))
        .status,
    ).toBe(2);
    // The same batch id with another count is refused.
    const mismatch = await keyline(...base, '--count', '5', '--batch', 'cli-1', '--json');
    expect(mismatch.status).toBe(1);
    expect(mismatch.stdout).toContain('ERR_FACTORY_BATCH_MISMATCH');
    // Every chip of the tray belongs to batch cli-1: a new batch has nothing to provision.
    const empty = await keyline(...base, '--count', '3', '--batch', 'cli-2', '--json');
    expect(empty.status).toBe(1);
    expect(empty.stdout).toContain('ERR_FACTORY_NO_CHIPS');
  });

  it(
    '--retry-quarantined takes a chip quarantined by a transient fault through the line again',
    { timeout: 300_000 },
    async () => {
      const small = join(dir, 'tray-retry');
      await ok(keyline('se', 'tray', 'create', '--count', '3', small), 'tray');
      const chips = JSON.parse(await ok(keyline('se', 'tray', 'list', '--json', small), 'tray list')) as {
        serialHex: string;
      }[];
      const victim = chips.map((c) => c.serialHex).sort()[0]!;
      // One failed write: a transport fault that does not come back.
      await (await openTrayChip(small, victim)).injectFault({ operation: 'write', effect: 'fail', count: 1 });
      const retryManifest = join(dir, 'retry.jsonl');
      const args = ['factory', 'run', '--ca', issuingId, '--product-id', 'c0ffee', '--count', '3'];
      const run = (...extra: string[]) =>
        keyline(...args, '--se', `emulator:${small}`, '--batch', 'cli-retry', '--manifest', retryManifest, ...extra);
      const reportOf = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as ReportLine;

      const first = reportOf(await ok(run('--json'), 'first run'));
      expect(first).toMatchObject({ done: 2, quarantined: 1, revoked: 1, retried: 0, notRetried: [] });
      // Without the flag the chip stays quarantined.
      expect(reportOf(await ok(run('--json'), 'plain re-run'))).toMatchObject({
        skipped: 2,
        quarantined: 1,
        retried: 0,
      });
      const retried = reportOf(await ok(run('--json', '--retry-quarantined'), 'retry'));
      expect(retried).toMatchObject({ done: 1, skipped: 2, quarantined: 0, retried: 1, notRetried: [], revoked: 1 });
      const verified = await keyline('manifest', 'verify', '--trust', rootPem, retryManifest);
      expect(verified.status).toBe(0);
      expect(verified.stdout).toContain('3 devices');
      expect(readFileSync(retryManifest, 'utf8')).toContain(`"chipSerial":"${victim}"`);
      // The text report counts retries; a bad serial for --retry-chip is bad usage.
      expect(await ok(run('--retry-chip', victim), 'text')).toMatch(/retried:\s+0\b/);
      expect((await run('--retry-chip', 'not-hex')).status).toBe(2);
    },
  );

  it(
    '--job runs a batch from a job file: its relative paths from its folder, flags over it, the report names it',
    { timeout: 300_000 },
    async () => {
      const jobs = join(dir, 'jobs');
      mkdirSync(jobs);
      await ok(keyline('se', 'tray', 'create', '--count', '3', join(jobs, 'tray-job')), 'tray');
      const jobPath = join(jobs, 'shift.json');
      const text = `${JSON.stringify(
        {
          version: 1,
          ca: issuingId,
          productId: 'c0ffee',
          count: 2,
          se: 'emulator:tray-job',
          stations: 2,
          batch: 'cli-job',
          manifest: 'shift.jsonl',
        },
        null,
        2,
      )}\n`;
      writeFileSync(jobPath, text);
      const reportOf = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as ReportLine;
      // Run from another folder than the job's: its paths still mean the job's folder.
      expect(process.cwd()).not.toBe(jobs);
      const first = reportOf(await ok(keyline('factory', 'run', '--job', jobPath, '--json'), 'job run'));
      expect(first).toMatchObject({ batchId: 'cli-job', total: 2, done: 2, quarantined: 0 });
      expect(first.manifestPath).toBe(join(jobs, 'shift.jsonl'));
      expect(first.job).toEqual({ path: jobPath, sha256: createHash('sha256').update(text).digest('hex') });
      const verified = await keyline('manifest', 'verify', '--trust', rootPem, join(jobs, 'shift.jsonl'));
      expect(verified.status).toBe(0);
      expect(verified.stdout).toContain('2 devices');

      // Flags override the file: another batch (the tray's last chip) and a manifest given here.
      const overridden = join(dir, 'job-override.jsonl');
      const second = reportOf(
        await ok(
          keyline(
            'factory',
            'run',
            '--job',
            jobPath,
            '--batch',
            'cli-job-2',
            '--count',
            '1',
            '--manifest',
            overridden,
            '--json',
          ),
          'job run with flags',
        ),
      );
      expect(second).toMatchObject({ batchId: 'cli-job-2', total: 1, done: 1 });
      expect(second.manifestPath).toBe(overridden);
      // The text report names the job too.
      expect(await ok(keyline('factory', 'run', '--job', jobPath), 'job text')).toMatch(
        /job:\s+\S+shift\.json \(sha256 [0-9a-f]{64}\)/,
      );

      // A bad job file is bad usage (2), named in the JSON error.
      writeFileSync(join(jobs, 'bad.json'), JSON.stringify({ version: 1, count: 0 }));
      const bad = await keyline('factory', 'run', '--job', join(jobs, 'bad.json'), '--json');
      expect(bad.status).toBe(2);
      expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, code: 'ERR_CLI_BAD_OPTION', detail: { key: 'count' } });

      // `--job -` reads the job from standard input (here with absolute paths): the same batch,
      // resumed, its chips skipped; the report names standard input and the hash of what was read.
      const piped = JSON.stringify({
        version: 1,
        ca: issuingId,
        productId: 'c0ffee',
        count: 2,
        se: `emulator:${join(jobs, 'tray-job')}`,
        batch: 'cli-job',
        manifest: join(jobs, 'shift.jsonl'),
      });
      const fromStdin = reportOf(
        await ok(keylineWithInput(piped, 'factory', 'run', '--job', '-', '--json'), 'stdin job'),
      );
      expect(fromStdin).toMatchObject({ batchId: 'cli-job', total: 2, done: 0, skipped: 2, quarantined: 0 });
      expect(fromStdin.job).toEqual({ path: '-', sha256: createHash('sha256').update(piped).digest('hex') });
      // A key given twice is refused (JSON.parse alone would keep the last), from a pipe as from a file.
      const twice = await keylineWithInput(
        '{"version":1,"count":2,"count":3}',
        'factory',
        'run',
        '--job',
        '-',
        '--json',
      );
      expect(twice.status).toBe(2);
      expect(JSON.parse(twice.stdout)).toMatchObject({
        code: 'ERR_CLI_BAD_OPTION',
        detail: { path: '-', key: 'count' },
      });
      expect(JSON.parse(twice.stdout).message).toContain('from standard input');
    },
  );
});
