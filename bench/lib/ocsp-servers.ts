/**
 * The servers of the `ocsp` benchmark, each in a process of its own: `keyline serve` (the real
 * CLI from dist/, over a data directory), `openssl ocsp` as a responder and the constant-bytes
 * ceiling (ocsp-constant-server.ts); and the CPU time a
 * process has used (Linux /proc), which a shared machine's load does not inflate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KEYLINE_BIN = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'packages',
  'keyline',
  'bin',
  'keyline.js',
);

/** A TCP port free on 127.0.0.1 now (for `openssl ocsp -port`, which takes no port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the text once `pattern` appears on the stream (or rejects after `ms` or at exit). */
function waitFor(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  what: string,
  ms = 30_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen}`)), ms);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      const match = pattern.exec(seen);
      if (match !== null) {
        clearTimeout(timer);
        child[stream]!.removeListener('data', onData);
        // Keep draining: a full pipe would block the server.
        child[stream]!.resume();
        resolve(match);
      }
    };
    child[stream]!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${seen}`));
    });
  });
}

/**
 * `keyline serve --data <dir> --host 127.0.0.1 --port 0 --ocsp-port 0` as an operator runs it
 * (default log level info, JSON logs on stderr, here read and thrown away), the passphrase of the
 * software keys in the environment, `nodeArgs` before the script (e.g. `--cpu-prof`). Resolves with
 * the process, its base URL and the base URL of its dedicated OCSP listener.
 */
export async function startKeyline(
  dataDir: string,
  passphrase: string,
  nodeArgs: readonly string[] = [],
  serveArgs: readonly string[] = [],
): Promise<{ child: ChildProcess; url: string; ocspUrl: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KEYLINE_PASSPHRASE: passphrase };
  delete env['KEYLINE_DB'];
  delete env['KEYLINE_DATA'];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      KEYLINE_BIN,
      'serve',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--ocsp-port',
      '0',
      ...serveArgs,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Its logs: kept until it listens (to say why, should it not start), then drained unread.
  let logs = '';
  const keep = (chunk: Buffer): void => {
    logs = (logs + chunk.toString('utf8')).slice(-4000);
  };
  child.stderr!.on('data', keep);
  try {
    // `serve` prints the OCSP listener's line first, then `listening on`.
    const match = await waitFor(
      child,
      'stdout',
      /ocsp on (\S+) [^\n]*\n(?:[^\n]*\n)*?listening on (\S+)\n/,
      'keyline serve',
    );
    return { child, url: match[2]!, ocspUrl: match[1]! };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${logs}`);
  } finally {
    child.stderr!.removeListener('data', keep);
    child.stderr!.resume();
  }
}

/**
 * The ceiling server (ocsp-constant-server.ts) in its own process, answering every request with
 * `body`, under tsx as the Node generator runs.
 */
export async function startConstantServer(body: Uint8Array): Promise<{ child: ChildProcess; url: string }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'ocsp-constant-server.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, Buffer.from(body).toString('hex')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const match = await waitFor(child, 'stdout', /listening on (\d+)\n/, 'the constant-bytes server', 10_000);
  return { child, url: `http://127.0.0.1:${match[1]!}/` };
}

/** `openssl ocsp` as a responder over an index.txt, in one process (no `-multi`). */
export async function startOpenssl(files: {
  readonly index: string;
  readonly caCert: string;
  readonly responderCert: string;
  readonly responderKey: string;
}): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    'openssl',
    [
      'ocsp',
      '-index',
      files.index,
      '-port',
      String(port),
      '-rsigner',
      files.responderCert,
      '-rkey',
      files.responderKey,
      '-CA',
      files.caCert,
      '-nmin',
      '5',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await waitFor(child, 'stderr', /waiting for OCSP client connections/, 'openssl ocsp', 10_000);
  return { child, url: `http://127.0.0.1:${port}/` };
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) the process has used so far, from /proc; NaN where there is none. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces, inside parentheses): utime is the 14th
    // field of the line, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of a process and its child processes (`keyline serve --ocsp-workers`), from /proc. */
export function processTreeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // No such file (an older kernel): the process alone.
  }
  return children.reduce((sum, child) => sum + processCpuSeconds(child), processCpuSeconds(pid));
}

/** Sends SIGTERM to each child still running and waits for them to exit (SIGKILL after `ms`). */
export async function stopAll(children: readonly ChildProcess[], ms = 5000): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), ms);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill();
        }),
    ),
  );
}
