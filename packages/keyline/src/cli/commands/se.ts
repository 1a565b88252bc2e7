import type { Command } from 'commander';
import { KeylineError, systemRandom } from '@keyline/core';
import { createTray, listTray, serveTray, type ChipSummary } from '@keyline/se';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { SetExitCode } from './index.js';

function positiveInt(value: string, flag: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new KeylineError('ERR_CLI_BAD_OPTION', `${flag} must be an integer from 1 to ${max}, not "${value}"`);
  }
  return n;
}

function summaryLine(chip: ChipSummary): string {
  const locks = `config ${chip.configLocked ? 'locked' : 'open'}, data ${chip.dataLocked ? 'locked' : 'open'}`;
  const keys = chip.keySlots.length > 0 ? `keys in slots ${chip.keySlots.join(',')}` : 'no keys';
  return `${chip.serialHex}  ${chip.model} rev ${chip.revision}  ${locks}  ${keys}`;
}

/**
 * `keyline se …`: emulated secure elements. A tray is a directory of chip images; `se serve`
 * puts a tray on a local socket so a device program in another process talks to its chips as
 * over a bus.
 */
export function registerSe(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  const se = program.command('se').description('emulated secure elements (ATECC608A-style chips in a tray directory)');
  const tray = se.command('tray').description('make and inspect trays of emulated chips');

  tray
    .command('create')
    .description('make blank chips (unique 9-byte serials, configuration locked, data zone open)')
    .requiredOption('--count <n>', 'how many chips to add')
    .option('--json', 'print the result as JSON')
    .argument('<dir>', 'the tray directory (created if missing)')
    .action(async (dir: string, opts: { count: string; json?: boolean }) => {
      const count = positiveInt(opts.count, '--count', 1_000_000);
      const serials = await createTray(dir, count, systemRandom);
      if (opts.json) io.out(JSON.stringify({ dir, created: serials }));
      else io.out(`${serials.length} chips added to ${dir}`);
      setExitCode(ExitCode.OK);
    });

  tray
    .command('list')
    .description('show the chips of a tray: serial, model, locks, key slots')
    .option('--json', 'print the chips as a JSON array')
    .argument('<dir>', 'the tray directory')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const chips = await listTray(dir);
      if (opts.json) io.out(JSON.stringify(chips));
      else {
        for (const chip of chips) io.out(summaryLine(chip));
        io.out(`${chips.length} chips`);
      }
      setExitCode(ExitCode.OK);
    });

  se.command('serve')
    .description('serve a tray on a local socket until SIGTERM or SIGINT')
    .requiredOption('--tray <dir>', 'the tray directory')
    .option('--socket <path>', 'a Unix domain socket path')
    .option('--port <port>', 'a TCP port on the loopback interface (0 for any free one)')
    .option('--host <host>', 'loopback address for --port', '127.0.0.1')
    .option('--timing', 'answer with a real chip timing (key generation ~115 ms, signing ~50 ms)')
    .action(async (opts: { tray: string; socket?: string; port?: string; host: string; timing?: boolean }) => {
      if ((opts.socket === undefined) === (opts.port === undefined)) {
        throw new KeylineError('ERR_CLI_BAD_OPTION', 'give exactly one of --socket <path> or --port <port>');
      }
      const chip = { timing: Boolean(opts.timing) };
      const address =
        opts.socket !== undefined
          ? { socketPath: opts.socket, chip }
          : { port: opts.port === '0' ? 0 : positiveInt(opts.port!, '--port', 65535), host: opts.host, chip };
      const server = await serveTray(opts.tray, address);
      const where =
        'socketPath' in server.address ? server.address.socketPath : `${server.address.host}:${server.address.port}`;
      io.out(`serving tray ${opts.tray} on ${where}`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      await server.close();
      io.out('stopped');
      setExitCode(ExitCode.OK);
    });
}
