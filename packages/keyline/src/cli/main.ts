import { Command, CommanderError } from 'commander';
import { KeylineError, isKeylineError } from '@keyline/core';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
import { registerCommands } from './commands/index.js';

/**
 * Runs the keyline CLI with `argv` (as process.argv: node, script, args…) and returns the exit code.
 * Commands never call process.exit themselves, so they can be driven in process by tests.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = new Command('keyline')
    .description('Keyline: the ecosystem PKI for IoT devices')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showSuggestionAfterError();
  registerCommands(program, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK;
      if (error.code === 'commander.help') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    reportError(io, error, argv.includes('--json'));
    return exitCodeFor(error);
  }
}

function reportError(io: CliIo, error: unknown, json: boolean): void {
  const body = isKeylineError(error)
    ? error.toJSON()
    : { code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) };
  if (json) io.out(JSON.stringify({ ok: false, ...body }));
  else io.err(`keyline: ${body.code}: ${body.message}`);
  if (!(error instanceof KeylineError) && process.env.KEYLINE_DEBUG) io.err(String((error as Error)?.stack));
}
