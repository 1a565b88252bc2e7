import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, install, type Installation } from './server-process.js';

/**
 * Devices made by the real factory line for the interop tests: a data directory (root →
 * manufacturer CA `acme` → issuing CA `line1`, through the CLI), a tray of emulated chips and, when
 * SoftHSM2 is there, PKCS#11 tokens, each personalised by `keyline factory run`, and the chain
 * definition firmware embeds (`keyline factory definition`).
 */

export const SOFTHSM_MODULE = process.env.KEYLINE_PKCS11_MODULE || '/usr/lib/softhsm/libsofthsm2.so';
export const REQUIRE_SERVICES = process.env.KEYLINE_REQUIRE_SERVICES === '1';
export const TOKEN_PIN = '123456';

export function softHsmAvailable(): boolean {
  return spawnSync('softhsm2-util', ['--version'], { encoding: 'utf8' }).status === 0 && existsSync(SOFTHSM_MODULE);
}

export function opensslAvailable(): boolean {
  return spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
}

type Inst = Installation & { rootId: string; acmeId: string; line1Id: string };

export interface DeviceLine {
  readonly inst: Inst;
  /** Environment of the CLI and the device processes (with SOFTHSM2_CONF once tokens exist). */
  readonly env: NodeJS.ProcessEnv;
  readonly tray: string;
  /** Serials of the emulated chips the line personalised. */
  readonly chips: readonly string[];
  readonly definitionPath: string;
  readonly rootPath: string;
  readonly rootPem: string;
  /** Runs the CLI; resolves with its exit code and output (never rejects on a failure). */
  run(...args: string[]): Promise<CliRun>;
  /** Runs the CLI with `input` on its stdin. */
  runWithInput(input: string, ...args: string[]): Promise<CliRun>;
  /** Personalises a fresh SoftHSM2 token labelled `label` on the line; resolves with its serial (the device id). */
  provisionToken(label: string): Promise<string>;
  /** Revokes the device certificate of `deviceId` (keyCompromise). */
  revoke(deviceId: string): Promise<void>;
  /** Signs a fresh CRL of the issuing CA and writes it as PEM; resolves with its path. */
  crl(): Promise<string>;
  remove(): void;
}

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The CLI in a child process, asynchronously: a test file that blocked its worker on spawnSync for
 * a minute would miss vitest's own messages.
 */
function runCli(env: NodeJS.ProcessEnv, args: readonly string[], input?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end(input ?? '');
    child.once('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

async function mustRun(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<string> {
  const r = await runCli(env, args);
  if (r.status !== 0) throw new Error(`keyline ${args.join(' ')} → ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function mustRunJson<T>(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<T> {
  return JSON.parse(await mustRun(env, [...args, '--json'])) as T;
}

/** A data directory and `count` emulated chips personalised by `keyline factory run`. */
export async function provisionLine(prefix: string, count: number): Promise<DeviceLine> {
  const inst = install(prefix);
  const env: NodeJS.ProcessEnv = { ...inst.env };
  const tray = inst.path('tray');
  const { created } = await mustRunJson<{ created: string[] }>(env, [
    'se',
    'tray',
    'create',
    '--count',
    String(count),
    tray,
  ]);
  await mustRun(env, [
    'factory',
    'run',
    '--ca',
    'line1',
    '--product-id',
    'sensor-1',
    '--count',
    String(count),
    '--se',
    `emulator:${tray}`,
  ]);
  const definitionPath = inst.path('line1.definition.json');
  await mustRun(env, ['factory', 'definition', '--ca', 'line1', '--out', definitionPath]);
  const rootPem = (await mustRunJson<{ certificatePem: string }>(env, ['ca', 'show', 'root'])).certificatePem;
  const rootPath = inst.path('root.pem');
  writeFileSync(rootPath, rootPem);
  let crls = 0;
  return {
    inst,
    env,
    tray,
    chips: created,
    definitionPath,
    rootPath,
    rootPem,
    run: (...args) => runCli(env, args),
    runWithInput: (input, ...args) => runCli(env, args, input),
    async provisionToken(label) {
      if (env.SOFTHSM2_CONF === undefined) {
        const dir = inst.path('softhsm');
        mkdirSync(join(dir, 'tokens'), { recursive: true });
        const conf = join(dir, 'softhsm2.conf');
        writeFileSync(
          conf,
          `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
        );
        env.SOFTHSM2_CONF = conf;
      }
      const init = spawnSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--pin', TOKEN_PIN, '--so-pin', '87654321'],
        { env, encoding: 'utf8' },
      );
      if (init.status !== 0) throw new Error(`softhsm2-util --init-token: ${init.stderr}${init.stdout}`);
      const se = `pkcs11:token=${label}?pin-value=${TOKEN_PIN}&module-path=${SOFTHSM_MODULE}`;
      await mustRun(env, ['factory', 'run', '--ca', 'line1', '--product-id', 'sensor-1', '--count', '1', '--se', se]);
      const attest = await mustRunJson<{ deviceId: string }>(env, [
        'device',
        'attest',
        '--se',
        se,
        '--nonce',
        'n',
        '--audience',
        'a',
      ]);
      return attest.deviceId;
    },
    async revoke(deviceId) {
      const certs = await mustRunJson<{ serial: string; deviceId: string | null }[]>(env, [
        'cert',
        'list',
        '--ca',
        'line1',
      ]);
      const cert = certs.find((c) => c.deviceId === deviceId);
      if (cert === undefined) throw new Error(`no certificate of device ${deviceId}`);
      await mustRun(env, ['revoke', cert.serial, '--ca', 'line1', '--reason', 'keyCompromise', '--json']);
    },
    async crl() {
      const path = inst.path(`line1-${++crls}.crl.pem`);
      await mustRun(env, ['crl', '--ca', 'line1', '--out', path, '--pem', '--json']);
      return path;
    },
    remove: () => inst.remove(),
  };
}

/** A self-signed P-256 TLS server certificate for localhost and 127.0.0.1 (the device trusts it by `ca`). */
export function serverCertificate(dir: string): { certPath: string; keyPath: string; cert: string; key: string } {
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server.key');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-days',
      '2',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req: ${r.stderr}`);
  return { certPath, keyPath, cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}
