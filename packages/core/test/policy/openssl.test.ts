import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasErrors, lint } from '../../src/policy/lint/lint.js';
import { detectProfile } from '../../src/policy/profiles/detect.js';
import type { ProfileName } from '../../src/policy/profiles/types.js';
import { Certificate } from '../../src/x509/certificate/certificate.js';

/**
 * OpenSSL as an independent peer: the configuration and commands published in
 * docs/certificate-policy.md section 7.4 are run as written, and what they produce must lint clean;
 * certificates that OpenSSL's own `openssl verify` refuses for an RFC 5280 reason must lint with errors.
 */

const DOC = readFileSync(resolve(__dirname, '../../../../docs/certificate-policy.md'), 'utf8');

function block(name: string): string {
  const begin = DOC.indexOf(`<!-- ${name}:begin -->`);
  const end = DOC.indexOf(`<!-- ${name}:end -->`);
  if (begin < 0 || end < begin) throw new Error(`docs/certificate-policy.md lacks the ${name} block`);
  const fenced = DOC.slice(begin, end);
  return fenced.slice(fenced.indexOf('\n', fenced.indexOf('```')) + 1, fenced.lastIndexOf('```'));
}

let dir: string;

function read(file: string): Certificate {
  return Certificate.fromPem(readFileSync(join(dir, file), 'latin1'));
}

function sh(script: string): void {
  execFileSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: dir,
    stdio: 'pipe',
    env: { ...process.env, KEYLINE_CHIP_SERIAL: '0123a1b2c3d4e5f6ee' },
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyline-policy-openssl-'));
  writeFileSync(join(dir, 'keyline-openssl.cnf'), block('openssl-config'));
  const commands = block('openssl-commands')
    .split('\n')
    .filter((line) => !line.startsWith('keyline lint'))
    .join('\n');
  sh(commands);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const HIERARCHY: readonly [ProfileName, string, string | undefined][] = [
  ['root', 'root.pem', undefined],
  ['manufacturer-ca', 'manufacturer.pem', 'root.pem'],
  ['issuing-ca', 'issuing.pem', 'manufacturer.pem'],
  ['device', 'device.pem', 'issuing.pem'],
  ['ocsp-signer', 'ocsp.pem', 'issuing.pem'],
];

describe('certificates OpenSSL makes with the published configuration', () => {
  for (const [profile, file, issuerFile] of HIERARCHY) {
    it(`${file} conforms to the ${profile} profile and is detected as such`, () => {
      const cert = read(file);
      const issuer = issuerFile === undefined ? undefined : read(issuerFile);
      expect(lint(cert, profile, { issuer })).toEqual([]);
      expect(detectProfile(cert)).toBe(profile);
    });
  }

  it('chains under openssl verify', () => {
    const out = execFileSync(
      'openssl',
      [
        'verify',
        '-x509_strict',
        '-CAfile',
        'root.pem',
        '-untrusted',
        'manufacturer.pem',
        '-untrusted',
        'issuing.pem',
        'device.pem',
      ],
      { cwd: dir },
    );
    expect(out.toString()).toMatch(/device\.pem: OK/);
  });
});

/** Issues a variant of a certificate with an extra extension section and returns [openssl verify exit status, cert]. */
function variant(name: string, section: string, kind: 'issuing' | 'device'): [number, Certificate] {
  writeFileSync(join(dir, `${name}.cnf`), `[ext]\n${section}\n`);
  if (kind === 'issuing') {
    sh(
      `openssl x509 -req -in issuing.csr -CA manufacturer.pem -CAkey manufacturer.key -sha384 -days 5475 -set_serial 0x4a${'11'.repeat(15)} -extfile ${name}.cnf -extensions ext -out ${name}.pem
       openssl x509 -req -in device.csr -CA ${name}.pem -CAkey issuing.key -sha256 -days 9125 -set_serial 0x4b${'22'.repeat(15)} -extfile keyline-openssl.cnf -extensions keyline_device -out ${name}-leaf.pem`,
    );
    const status = spawnSync(
      'openssl',
      [
        'verify',
        '-CAfile',
        'root.pem',
        '-untrusted',
        'manufacturer.pem',
        '-untrusted',
        `${name}.pem`,
        `${name}-leaf.pem`,
      ],
      { cwd: dir },
    ).status;
    return [status ?? -1, read(`${name}.pem`)];
  }
  sh(
    `openssl x509 -req -in device.csr -CA issuing.pem -CAkey issuing.key -sha256 -days 9125 -set_serial 0x4c${'33'.repeat(15)} -extfile ${name}.cnf -extensions ext -out ${name}.pem`,
  );
  const status = spawnSync(
    'openssl',
    ['verify', '-CAfile', 'root.pem', '-untrusted', 'manufacturer.pem', '-untrusted', 'issuing.pem', `${name}.pem`],
    { cwd: dir },
  ).status;
  return [status ?? -1, read(`${name}.pem`)];
}

const KEYLINE_POLICY_LINE = 'certificatePolicies = 2.25.947284676343922247703881128959199119.1.1';

describe('certificates broken in ways RFC 5280 forbids: openssl verify refuses the chain, lint reports errors', () => {
  const cases: readonly [string, string, 'issuing' | 'device', ProfileName, string][] = [
    [
      'ca-without-keycertsign',
      `basicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n${KEYLINE_POLICY_LINE}`,
      'issuing',
      'issuing-ca',
      'rfc5280.key-cert-sign',
    ],
    [
      'ca-not-ca',
      `basicConstraints = critical, CA:FALSE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n${KEYLINE_POLICY_LINE}`,
      'issuing',
      'issuing-ca',
      'rfc5280.key-cert-sign',
    ],
    [
      'leaf-unknown-critical-extension',
      `keyUsage = critical, digitalSignature\nauthorityKeyIdentifier = keyid:always\n${KEYLINE_POLICY_LINE}\n1.3.6.1.4.1.99999.7 = critical, ASN1:NULL`,
      'device',
      'device',
      'rfc5280.unknown-critical-extension',
    ],
  ];
  for (const [name, section, kind, profile, rule] of cases) {
    it(name, () => {
      const [status, cert] = variant(name, section, kind);
      expect(status).not.toBe(0);
      const findings = lint(cert, profile);
      expect(hasErrors(findings)).toBe(true);
      expect(findings.map((f) => f.id)).toContain(rule);
    });
  }
});
