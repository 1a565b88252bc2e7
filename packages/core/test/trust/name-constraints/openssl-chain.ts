import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tiny chains made by the openssl CLI for fixture tests of trust/name-constraints and trust/policy:
 * each certificate gets an extension section body in openssl's config syntax, where
 * `OID = critical,DER:hex` places an extension value byte for byte.
 */
export class OpensslChain {
  readonly dir = mkdtempSync(join(tmpdir(), 'keyline-nc-fixture-'));
  private serial = 1;

  private run(args: readonly string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private key(name: string): void {
    this.run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  }

  private config(name: string, extensions: string): string {
    const file = `${name}.cnf`;
    writeFileSync(join(this.dir, file), `[req]\ndistinguished_name = dn\n[dn]\n[ext]\n${extensions.trim()}\n`);
    return file;
  }

  /** A self-signed root CA; `extensions` is added to basicConstraints and keyUsage. */
  root(name: string, subject: string, extensions = ''): string {
    this.key(name);
    const cnf = this.config(
      name,
      `basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n${extensions}`,
    );
    this.run([
      'req',
      '-new',
      '-x509',
      '-key',
      `${name}.key`,
      '-subj',
      subject,
      '-days',
      '2',
      '-config',
      cnf,
      '-extensions',
      'ext',
      '-out',
      `${name}.pem`,
    ]);
    return this.pem(name);
  }

  /** A certificate issued by `issuer`: a CA when `ca`, else an end entity. */
  issue(name: string, issuer: string, subject: string, options: { ca: boolean; extensions?: string }): string {
    this.key(name);
    const base = options.ca
      ? 'basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign'
      : 'basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature';
    const cnf = this.config(
      name,
      `${base}\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n${options.extensions ?? ''}`,
    );
    this.run(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-config', cnf, '-out', `${name}.csr`]);
    this.run([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-set_serial',
      String(this.serial++),
      '-days',
      '1',
      '-extfile',
      cnf,
      '-extensions',
      'ext',
      '-out',
      `${name}.pem`,
    ]);
    return this.pem(name);
  }

  pem(name: string): string {
    return readFileSync(join(this.dir, `${name}.pem`), 'latin1');
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `DER:` hex for an openssl config line. */
export function derHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
