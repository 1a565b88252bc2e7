import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';

/** Debian's broker (package mosquitto); never the system service on 1883: each test starts its own. */
export const MOSQUITTO = '/usr/sbin/mosquitto';

export function mosquittoAvailable(): boolean {
  return existsSync(MOSQUITTO) && spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' }).stdout.includes('mosquitto');
}

/** A free TCP port on 127.0.0.1 (bound and released: a race with another process is possible but rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A broker of the test's own. */
export interface Broker {
  readonly port: number;
  readonly url: string;
  /** What the broker logged (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Mosquitto on a free loopback port with TLS that requires a client certificate verified
 * against `cafile` (the ecosystem root) and takes the certificate's CN as the user name
 * (`use_identity_as_username`); with `crlfile`, device certificates on that CRL are refused.
 * Resolves once the broker accepts TCP connections.
 */
export async function startMosquitto(
  dir: string,
  tls: { cafile: string; certfile: string; keyfile: string; crlfile?: string },
): Promise<Broker> {
  const port = await freePort();
  const config = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(
    config,
    [
      'per_listener_settings false',
      'allow_anonymous false',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      `listener ${port} 127.0.0.1`,
      `cafile ${tls.cafile}`,
      `certfile ${tls.certfile}`,
      `keyfile ${tls.keyfile}`,
      'require_certificate true',
      'use_identity_as_username true',
      ...(tls.crlfile === undefined ? [] : [`crlfile ${tls.crlfile}`]),
      // Run as root, Mosquitto drops to the user `mosquitto`, who cannot read the test's private temporary files.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}:\n${output}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `mqtts://127.0.0.1:${port}`,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
