import { Command, CommanderError, Option } from 'commander';
import { KeylineError, isKeylineError } from '@keyline/core';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
import { registerCommands } from './commands/index.js';

/**
 * The options every command takes (issue 3, section 1). They are declared on the program, and
 * commander recognises program options anywhere on the line, before or after the command name;
 * commands read them with `optsWithGlobals()` (see cli/context.ts).
 */
function addGlobalOptions(program: Command): void {
  program
    .addOption(
      new Option('--data <dir>', 'data directory (keys, the SQLite database)')
        .env('KEYLINE_DATA')
        .default('./keyline-data'),
    )
    .addOption(
      new Option(
        '--db <url>',
        'database URL: postgres://… or a SQLite file (default: keyline.db in the data directory)',
      ).env('KEYLINE_DB'),
    )
    .option('--json', 'print the answer (and errors) as JSON')
    .option('--passphrase-file <file>', 'file holding the passphrase of software keys (or set KEYLINE_PASSPHRASE)');
}

/**
 * Commands that declared `--json` themselves (lint, verify, demo) read it from their own options;
 * the program consumes `--json` wherever it stands, so hand it on to them before their action runs.
 */
function passJsonToCommand(program: Command, actionCommand: Command): void {
  if (program.opts<{ json?: boolean }>().json !== true) return;
  if (actionCommand.options.some((o) => o.attributeName() === 'json')) actionCommand.setOptionValue('json', true);
}

/**
 * Runs the keyline CLI with `argv` (as process.argv: node, script, args…) and returns the exit code.
 * Commands never call process.exit themselves, so they can be driven in process by tests.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const json = argv.includes('--json');
  const program = new Command('keyline')
    .description('Keyline: the ecosystem PKI for IoT devices')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      // With --json the error is printed once, as JSON on stdout (below); the usage text is for people.
      writeErr: (s) => (json ? undefined : io.err(s)),
      outputError: (s, write) => write(s),
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError();
  addGlobalOptions(program);
  program.hook('preAction', (_hooked, actionCommand) => passJsonToCommand(program, actionCommand));
  registerCommands(program, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return usageError(io, error, json);
    reportError(io, error, json);
    return exitCodeFor(error);
  }
}

/** Help and version are answers (exit 0); every other commander error is bad usage (exit 2). */
function usageError(io: CliIo, error: CommanderError, json: boolean): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
  // `keyline ca` without a subcommand shows the help as an error (exitCode 1): that is bad usage.
  if (error.code === 'commander.help' && error.exitCode === 0) return ExitCode.OK;
  if (json) {
    const message = error.code === 'commander.help' ? 'a subcommand is missing' : error.message.replace(/^error: /, '');
    io.out(JSON.stringify({ ok: false, code: 'ERR_CLI_USAGE', message: `${message} (see keyline --help)` }));
  }
  return ExitCode.USAGE;
}

function reportError(io: CliIo, error: unknown, json: boolean): void {
  const body = isKeylineError(error)
    ? error.toJSON()
    : { code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  if (json) io.out(JSON.stringify({ ok: false, ...body }));
  else io.err(`keyline: ${body.code}: ${body.message}`);
  if (!(error instanceof KeylineError) && process.env.KEYLINE_DEBUG) io.err(String((error as Error)?.stack));
}
