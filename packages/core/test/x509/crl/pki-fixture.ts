/** Test fixture shared by the CRL and OCSP suites: a CA and leaves made by real OpenSSL. */
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { softwareSigner, type SoftwareSigner } from '../../../src/crypto/signer.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import type { OpenSslDir } from '../../crypto/openssl.js';

export interface TestCa {
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: Certificate;
  readonly signer: SoftwareSigner;
}

export interface TestLeaf {
  readonly certPath: string;
  readonly cert: Certificate;
}

function pemOf(dir: OpenSslDir, name: string): string {
  return Buffer.from(dir.read(name)).toString('latin1');
}

/** A P-256 CA (keyCertSign, cRLSign) made by `openssl req -x509`, with its key as a Keyline signer. */
export function makeCa(dir: OpenSslDir, name = 'ca', subject = '/CN=Keyline Test CA/O=Keyline'): TestCa {
  dir.run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '30',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  return {
    certPath: dir.path(`${name}.pem`),
    keyPath: dir.path(`${name}.key`),
    cert: Certificate.fromPem(pemOf(dir, `${name}.pem`)),
    signer: softwareSigner(createPrivateKey(pemOf(dir, `${name}.key`))),
  };
}

/** A leaf issued by `ca` with the given serial (hex), optionally with extra `-extfile` lines. */
export function issueLeaf(
  dir: OpenSslDir,
  ca: TestCa,
  name: string,
  serialHex: string,
  extLines: string[] = [],
): TestLeaf {
  dir.run(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  const args = ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.certPath, '-CAkey', ca.keyPath];
  args.push('-set_serial', `0x${serialHex}`, '-days', '10', '-out', `${name}.pem`);
  if (extLines.length > 0) args.push('-extfile', dir.write(`${name}.ext`, `${extLines.join('\n')}\n`));
  dir.run(...args);
  return { certPath: dir.path(`${name}.pem`), cert: Certificate.fromPem(pemOf(dir, `${name}.pem`)) };
}

/** Runs openssl in `dir` and returns both streams and the exit status (some commands report failure only on stderr). */
export function opensslBoth(
  dir: OpenSslDir,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('openssl', args, { cwd: dir.dir, encoding: 'latin1' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
