import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerAudit } from './audit.js';
import { registerCa } from './ca.js';
import { registerCert } from './cert.js';
import { registerCrl } from './crl.js';
import { registerDemo } from './demo.js';
import { registerDevice } from './device.js';
import { registerFactory } from './factory.js';
import { registerInit } from './init.js';
import { registerIssue } from './issue.js';
import { registerLint } from './lint.js';
import { registerManifest } from './manifest.js';
import { registerRecover } from './recover.js';
import { registerRevoke } from './revoke.js';
import { registerRoot } from './root.js';
import { registerSe } from './se.js';
import { registerServe } from './serve.js';
import { registerVerify } from './verify.js';
import { registerVerifyDevice } from './verify-device.js';

/** Sets the exit code of the running command (commands return answers, they never exit). */
export type SetExitCode = (code: number) => void;

/** One CLI command: registers itself on the program. */
export type CommandRegistrar = (program: Command, io: CliIo, setExitCode: SetExitCode) => void;

const registrars: CommandRegistrar[] = [];
registrars.push(registerDemo);
registrars.push(registerVerify);
registrars.push(registerLint);
registrars.push(registerInit);
registrars.push(registerRoot);
registrars.push(registerCa);
registrars.push(registerIssue);
registrars.push(registerCert);
registrars.push(registerRevoke);
registrars.push(registerRecover);
registrars.push(registerCrl);
registrars.push(registerServe);
registrars.push(registerAudit);
registrars.push(registerSe);
registrars.push(registerManifest);
registrars.push(registerFactory);
registrars.push(registerDevice);
registrars.push(registerVerifyDevice);

export function registerCommands(program: Command, io: CliIo, setExitCode: SetExitCode): void {
  for (const register of registrars) register(program, io, setExitCode);
}
