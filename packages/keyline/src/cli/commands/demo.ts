import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { KeylineError, systemClock, systemRandom } from '@keyline/core';
import { runDemo } from '../../demo/run-demo.js';
import type { CliIo } from '../io.js';
import { ExitCode } from '../exit-codes.js';
import type { SetExitCode } from './index.js';

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new KeylineError('ERR_CLI_BAD_OPTION', `--devices must be an integer from 1 to 1000000, not "${value}"`);
  }
  return n;
}

/** `keyline demo`: the main job on the embedded default, in a fresh temporary directory unless --out. */
export function registerDemo(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  program
    .command('demo')
    .description(
      'make an ecosystem root, a manufacturer CA and an issuing CA, issue device certificates, lint and verify them',
    )
    .option('--devices <n>', 'device certificates to issue and verify', '1000')
    .option('--out <dir>', 'where to write the certificates (default: a new temporary directory)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { devices: string; out?: string; json?: boolean }) => {
      const devices = parseCount(opts.devices);
      const outDir = opts.out ?? mkdtempSync(join(tmpdir(), 'keyline-demo-'));
      const started = performance.now();
      const summary = await runDemo({
        outDir,
        devices,
        clock: systemClock,
        random: systemRandom,
        say: opts.json ? () => undefined : (line) => io.out(line),
      });
      const seconds = (performance.now() - started) / 1000;
      const ok =
        summary.devices.verified === summary.devices.issued &&
        summary.devices.lintClean === summary.devices.issued &&
        summary.refusals.length === 3;
      if (opts.json) {
        io.out(JSON.stringify({ ok, seconds: Number(seconds.toFixed(2)), ...summary }, null, 2));
      } else {
        io.out('');
        io.out(
          `Summary: ${summary.devices.issued} devices issued (${summary.devices.issuePerSecond.toLocaleString('en')}/s), ` +
            `${summary.devices.lintClean} lint-clean, ${summary.devices.verified} verified ` +
            `(${summary.devices.verifyPerSecond.toLocaleString('en')}/s), ${summary.refusals.length} bad certificates refused, ` +
            `in ${seconds.toFixed(1)} s.`,
        );
        io.out(ok ? 'Demo finished: everything checked out.' : 'Demo finished WITH FAILURES: see above.');
      }
      setExitCode(ok ? ExitCode.OK : ExitCode.NEGATIVE);
    });
}
