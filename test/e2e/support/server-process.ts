import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';

/** Helpers for end-to-end tests of `keyline serve`: the real binary, curl and openssl. */

export const BIN = resolve(import.meta.dirname, '../../../packages/keyline/bin/keyline.js');
const execFileAsync = promisify(execFile);

export interface Installation {
  readonly dir: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly adminToken: string;
  path(name: string): string;
  /** Runs `keyline <args> --json` and parses its output (throws with the output when it fails). */
  keyline<T = Record<string, unknown>>(...args: string[]): T;
  /** Every row of every table (SQLite file or PostgreSQL database), for before/after comparisons. */
  snapshot(): Promise<Record<string, unknown[]>>;
  remove(): void;
}

/**
 * `keyline init`, a root, a manufacturer CA `acme` and an issuing CA `line1`, through the binary;
 * in the data directory's SQLite file, or in the PostgreSQL database `db` names.
 */
export function install(
  prefix: string,
  options: { readonly db?: string } = {},
): Installation & { rootId: string; acmeId: string; line1Id: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'data');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KEYLINE_DATA: dataDir,
    KEYLINE_PASSPHRASE: 'e2e passphrase for the server tests',
  };
  if (options.db === undefined) delete env['KEYLINE_DB'];
  else env['KEYLINE_DB'] = options.db;
  const keyline = <T>(...args: string[]): T => {
    const run = spawnSync(process.execPath, [BIN, ...args, '--json'], { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`keyline ${args.join(' ')} → ${run.status}\n${run.stdout}\n${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  };
  const init = keyline<{ adminToken: string }>('init');
  const root = keyline<{ id: string }>('root', 'create', '--name', 'E2E Root', '--label', 'root', '--curve', 'P-256');
  const acme = keyline<{ id: string }>(
    'ca',
    'create',
    '--parent',
    'root',
    '--name',
    'Acme CA',
    '--kind',
    'manufacturer',
    '--manufacturer-id',
    'acme',
    '--label',
    'acme',
  );
  const line1 = keyline<{ id: string }>(
    'ca',
    'create',
    '--parent',
    'acme',
    '--name',
    'Acme Line 1',
    '--kind',
    'issuing',
    '--manufacturer-id',
    'acme',
    '--product-id',
    'sensor-1',
    '--label',
    'line1',
  );
  return {
    dir,
    dataDir,
    env,
    adminToken: init.adminToken,
    rootId: root.id,
    acmeId: acme.id,
    line1Id: line1.id,
    path: (name) => join(dir, name),
    keyline,
    snapshot: () =>
      options.db === undefined
        ? Promise.resolve(snapshotSqlite(join(dataDir, 'keyline.db')))
        : snapshotPostgres(options.db),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A running `keyline serve`, with what it printed. */
export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `keyline serve --port 0 <args>` and waits for its `listening on <url>` line. */
export function serve(installation: Installation, ...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { env: installation.env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolveServed, reject) => {
    const timer = setTimeout(() => reject(new Error(`keyline serve did not start:\n${out}\n${err}`)), 20_000);
    const check = (): void => {
      const match = /listening on (https?:\/\/\S+)/.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      resolveServed({
        child,
        url: match[1]!,
        stdout: () => out,
        stderr: () => err,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`keyline serve exited with ${code}:\n${out}\n${err}`));
    });
  });
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function sh(
  file: string,
  args: readonly string[],
  options: { input?: Buffer | string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (options.input !== undefined) {
    const run = spawnSync(file, args, { input: options.input, env: options.env, cwd: options.cwd, encoding: 'utf8' });
    return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
  }
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      env: options.env,
      cwd: options.cwd,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A shell pipeline (for `curl … | openssl base64 -d | openssl pkcs7 …` exactly as a person types it). */
export function pipeline(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return sh('bash', ['-o', 'pipefail', '-c', command], { cwd });
}

export function write(path: string, data: string | Uint8Array): string {
  writeFileSync(path, data);
  return path;
}

/** Every row of every table of the SQLite database (a separate read-only connection). */
export function snapshotSqlite(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all()]),
    );
  } finally {
    db.close();
  }
}

/** Every row of every table of a PostgreSQL database, in physical order. */
export async function snapshotPostgres(url: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name",
    );
    const out: Record<string, unknown[]> = {};
    for (const { table_name: name } of tables.rows) {
      out[name] = (await client.query(`select * from "${name}" order by ctid`)).rows;
    }
    return out;
  } finally {
    await client.end();
  }
}

/** What `enrolOverEst` leaves in the installation directory, and the issuing CA as the API shows it. */
export interface EstEnrolment {
  /** The issuing CA's certificate and chain (leaf CA first, root last), PEM. */
  readonly ca: { readonly certificatePem: string; readonly chainPem: string };
}

/**
 * A device certificate enrolled the way a device's own tools would: an OpenSSL key and CSR with
 * commonName `cn`, sent with curl to the server's EST simpleenroll (the default CA), the PKCS#7
 * answer unpacked by OpenSSL into `device.pem` (key in `device.key`); and the CA `caId` as GET
 * /api/v1/cas/:id returns it.
 */
export async function enrolOverEst(
  installation: Installation,
  served: Served,
  cn: string,
  caId: string,
): Promise<EstEnrolment> {
  await sh('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', installation.path('device.key')]);
  await sh('openssl', [
    ...['req', '-new', '-key', installation.path('device.key'), '-subj', `/CN=${cn}`],
    ...['-outform', 'DER', '-out', installation.path('device.csr.der')],
  ]);
  const enrolled = await pipeline(
    `openssl base64 -in device.csr.der | curl -sS -f -u est:${installation.adminToken} -H 'Content-Type: application/pkcs10' --data-binary @- ` +
      `${served.url}/.well-known/est/simpleenroll | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out device.pem`,
    installation.dir,
  );
  if (enrolled.code !== 0) throw new Error(`EST enrolment failed: ${enrolled.stderr}`);
  const answer = await sh('curl', [
    ...['-sS', '-H', `Authorization: Bearer ${installation.adminToken}`],
    `${served.url}/api/v1/cas/${caId}`,
  ]);
  return { ca: JSON.parse(answer.stdout) as EstEnrolment['ca'] };
}
