import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { KeylineError, systemClock, systemRandom } from '@keyline/core';
import { runDemo, type DemoSummary } from '../../demo/run-demo.js';
import type { CliIo } from '../io.js';
import { ExitCode } from '../exit-codes.js';
import type { SetExitCode } from './index.js';

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new KeylineError('ERR_CLI_BAD_OPTION', `--devices must be an integer from 1 to 100000, not "${value}"`);
  }
  return n;
}

function summaryLines(summary: DemoSummary, seconds: number): string[] {
  const chips = summary.manufacturers.reduce((n, m) => n + m.batch.done, 0);
  const fastest = Math.round(Math.max(...summary.manufacturers.map((m) => m.batch.chipsPerSecond)));
  return [
    '',
    'Summary',
    `  chips provisioned     ${chips} in ${summary.manufacturers.length} factory batches (up to ${fastest.toLocaleString('en')} chips/s)`,
    `  manifests             ${summary.manufacturers.filter((m) => m.manifest.ok).length}/${summary.manufacturers.length} verified against the root`,
    `  attestations          ${summary.attestation.accepted} verified (${summary.attestation.perSecond.toLocaleString('en')}/s through the REST service)`,
    `  mutual TLS            ${summary.mutualTls.accepted} devices connected (${summary.mutualTls.perSecond.toLocaleString('en')}/s)`,
    `  revoked device        refused: attestation ${summary.revocation.attestation}, mutual TLS ${summary.revocation.mutualTls}`,
    `  data directory        ${summary.dataDir}`,
    `  time                  ${seconds.toFixed(1)} s`,
    '',
    summary.ok ? 'Demo finished: everything checked out.' : 'Demo finished WITH FAILURES: see above.',
  ];
}

/** `keyline demo`: the main job on the embedded default, in a fresh temporary data directory unless --data-dir. */
export function registerDemo(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  program
    .command('demo')
    .description(
      'run the whole story in a fresh data directory: root, two manufacturers, a factory batch on emulated ' +
        'chips, manifests, the server, device attestation and mutual TLS, a revocation',
    )
    .option('--devices <n>', 'chips in the first factory batch', '1000')
    .option('--out <dir>', 'the data directory to use (default: a new temporary directory)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { devices: string; out?: string; json?: boolean }) => {
      const devices = parseCount(opts.devices);
      const dataDir = opts.out === undefined ? mkdtempSync(join(tmpdir(), 'keyline-demo-')) : resolve(opts.out);
      const started = performance.now();
      const tty = opts.json !== true && process.stdout.isTTY === true;
      const summary = await runDemo({
        dataDir,
        devices,
        clock: systemClock,
        random: systemRandom,
        say: opts.json ? () => undefined : (line) => io.out(line),
        progress: { tty, write: opts.json ? () => undefined : (text) => process.stdout.write(text) },
      });
      const seconds = (performance.now() - started) / 1000;
      if (opts.json) io.out(JSON.stringify({ ...summary, seconds: Number(seconds.toFixed(2)) }, null, 2));
      else for (const line of summaryLines(summary, seconds)) io.out(line);
      setExitCode(summary.ok ? ExitCode.OK : ExitCode.NEGATIVE);
    });
}
