import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerDemo } from './demo.js';
import { registerLint } from './lint.js';
import { registerVerify } from './verify.js';

/** Sets the exit code of the running command (commands return answers, they never exit). */
export type SetExitCode = (code: number) => void;

/** One CLI command: registers itself on the program. */
export type CommandRegistrar = (program: Command, io: CliIo, setExitCode: SetExitCode) => void;

const registrars: CommandRegistrar[] = [];
registrars.push(registerDemo);
registrars.push(registerVerify);
registrars.push(registerLint);

export function registerCommands(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  for (const register of registrars) register(program, io, setExitCode);
}
