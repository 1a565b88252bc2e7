import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KEYLINE_ATTRIBUTE,
  OID,
  buildCsr,
  encodeName,
  encodePem,
  generateSigner,
  type NameAttributeInput,
} from '@keyline/core';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** What one in-process run of the CLI printed and returned. */
export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `keyline <args>` in this process through `main(argv, io)`, capturing its output. */
export async function keyline(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    isTty: false,
  };
  const code = await main(['node', 'keyline', ...args], io);
  return { code, out, err };
}

/** Parses what a `--json` run printed; fails the test with the output when it is not JSON. */
export function json<T = Record<string, unknown>>(run: Run): T {
  try {
    return JSON.parse(run.out) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.out}\n${run.err}`);
  }
}

/** A scratch folder with a passphrase file; `global` are the options every command of the test takes. */
export interface Workspace {
  readonly dir: string;
  readonly dataDir: string;
  readonly passphraseFile: string;
  readonly global: readonly string[];
  path(name: string): string;
  run(...args: string[]): Promise<Run>;
  cleanup(): void;
}

export const TEST_PASSPHRASE = 'correct horse battery staple';

export function workspace(prefix = 'keyline-cli-'): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'data');
  const passphraseFile = join(dir, 'passphrase');
  writeFileSync(passphraseFile, `${TEST_PASSPHRASE}\n`, { mode: 0o600 });
  const global = ['--data', dataDir, '--passphrase-file', passphraseFile];
  return {
    dir,
    dataDir,
    passphraseFile,
    global,
    path: (name) => join(dir, name),
    run: (...args) => keyline(...global, ...args),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface DeviceCsrSpec {
  readonly deviceId: string;
  readonly manufacturerId?: string;
  readonly productId?: string;
  readonly serialNumber?: string;
  readonly extraAttribute?: boolean;
}

/** A device CSR (KECP 6.1 subject: manufacturer id, product id, serialNumber, CN = device id), PEM. */
export async function deviceCsrPem(spec: DeviceCsrSpec): Promise<string> {
  const rdns: NameAttributeInput[][] = [];
  if (spec.manufacturerId !== undefined)
    rdns.push([{ type: KEYLINE_ATTRIBUTE.manufacturerId, value: spec.manufacturerId }]);
  if (spec.productId !== undefined) rdns.push([{ type: KEYLINE_ATTRIBUTE.productId, value: spec.productId }]);
  rdns.push([{ type: OID.serialNumber, value: spec.serialNumber ?? spec.deviceId.toUpperCase(), tag: 0x13 }]);
  rdns.push([{ type: OID.commonName, value: spec.deviceId }]);
  if (spec.extraAttribute === true) rdns.push([{ type: OID.organizationName, value: 'Not allowed here' }]);
  const der = await buildCsr({ subject: encodeName(rdns), signer: generateSigner('P-256') });
  return encodePem('CERTIFICATE REQUEST', der);
}
