import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePem } from '@keyline/core';

/** A scratch directory for OpenSSL's files, removed by `dispose`. */
export class OpensslDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'keyline-ca-openssl-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  writePem(name: string, label: string, ...ders: Uint8Array[]): string {
    const path = this.path(name);
    writeFileSync(path, ders.map((d) => encodePem(label, d)).join(''));
    return path;
  }

  writeDer(name: string, bytes: Uint8Array): string {
    const path = this.path(name);
    writeFileSync(path, bytes);
    return path;
  }

  read(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }

  /** Runs openssl; throws with its output when it exits non-zero. */
  run(...args: string[]): string {
    return execFileSync('openssl', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Runs openssl and returns its exit status and combined output, never throwing. */
  try(...args: string[]): { status: number; output: string } {
    const r = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' });
    return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
