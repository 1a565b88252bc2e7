import { spawn } from 'node:child_process';
import { freePort } from './mosquitto.js';

/** A running `openssl s_server`. */
export interface OpensslServer {
  readonly port: number;
  /** Everything it printed (its verification trace: `depth=… verify return:1` or `verify error:…`). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `openssl s_server -Verify 3 -verify_return_error -CAfile <root> -www`: requires a client certificate and verifies its
 * chain with OpenSSL's own path validation against the root alone (the client sends the
 * intermediates); with `crl`, also `-CRL <crl> -crl_check` (the device certificate's revocation).
 * `-www` answers each GET with a status page. Resolves once it accepts connections.
 */
export async function startOpensslServer(options: {
  readonly rootPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly crlPath?: string;
}): Promise<OpensslServer> {
  const port = await freePort();
  const args = [
    's_server',
    '-accept',
    `127.0.0.1:${port}`,
    '-Verify',
    '3',
    // Without it s_server prints a failed verification and carries on with the handshake.
    '-verify_return_error',
    '-CAfile',
    options.rootPath,
    '-cert',
    options.certPath,
    '-key',
    options.keyPath,
    '-www',
    ...(options.crlPath === undefined ? [] : ['-CRL', options.crlPath, '-crl_check']),
  ];
  const child = spawn('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!output.includes('ACCEPT')) {
    if (child.exitCode !== null) throw new Error(`openssl s_server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`openssl s_server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * What s_server's trace says of the client whose certificate has CN `deviceId`: `ok` when every
 * depth down to it returned 1, or the first verify error printed for it.
 */
export function opensslVerdict(output: string, deviceId: string): { ok: boolean; error?: string } | undefined {
  const at = output.indexOf(`CN = ${deviceId}\n`);
  if (at < 0) return undefined;
  const after = output.slice(at).split('\n')[1] ?? '';
  if (after.startsWith('verify return:1')) return { ok: true };
  return { ok: false, error: after };
}
