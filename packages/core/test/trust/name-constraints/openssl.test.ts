import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NameConstraintsState,
  nameConstraintsInputOf,
  nameConstraintsOf,
} from '../../../src/trust/name-constraints/index.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';

/**
 * OpenSSL as an independent peer: a root carrying nameConstraints and a leaf carrying names are
 * made with the openssl CLI, `openssl verify` judges the leaf, and Keyline's state, fed the decoded
 * extensions of the same certificates, must reach the same verdict. The cases avoid the points
 * where the two knowingly differ (leading-period dNSName constraints, host names in the CN).
 */
interface Case {
  readonly name: string;
  /** The value of nameConstraints in openssl's config syntax (dirName refers to [dn_sect]). */
  readonly constraints: string;
  readonly subject: string;
  readonly san?: string;
}

const CASES: Case[] = [
  {
    name: 'dNSName below a permitted domain',
    constraints: 'permitted;DNS:example.com',
    subject: '/CN=device 1',
    san: 'DNS:www.example.com',
  },
  {
    name: 'dNSName outside a permitted domain',
    constraints: 'permitted;DNS:example.com',
    subject: '/CN=device 1',
    san: 'DNS:www.example.org',
  },
  {
    name: 'dNSName on a lookalike domain',
    constraints: 'permitted;DNS:example.com',
    subject: '/CN=device 1',
    san: 'DNS:badexample.com',
  },
  {
    name: 'dNSName in an excluded domain',
    constraints: 'excluded;DNS:bad.example.com',
    subject: '/CN=device 1',
    san: 'DNS:x.bad.example.com',
  },
  {
    name: 'IPv4 in a permitted prefix',
    constraints: 'permitted;IP:192.168.0.0/255.255.0.0',
    subject: '/CN=device 1',
    san: 'IP:192.168.3.4',
  },
  {
    name: 'IPv4 outside a permitted prefix',
    constraints: 'permitted;IP:192.168.0.0/255.255.0.0',
    subject: '/CN=device 1',
    san: 'IP:10.0.0.1',
  },
  {
    name: 'IPv6 in a permitted prefix',
    constraints: 'permitted;IP:2001:db8::/ffff:ffff::',
    subject: '/CN=device 1',
    san: 'IP:2001:db8::1',
  },
  {
    name: 'IPv6 under an IPv4-only permission',
    constraints: 'permitted;IP:192.168.0.0/255.255.0.0',
    subject: '/CN=device 1',
    san: 'IP:2001:db8::1',
  },
  {
    name: 'IPv4 in an excluded prefix',
    constraints: 'excluded;IP:10.0.0.0/255.0.0.0',
    subject: '/CN=device 1',
    san: 'IP:10.1.2.3',
  },
  {
    name: 'mailbox on a permitted host',
    constraints: 'permitted;email:example.com',
    subject: '/CN=device 1',
    san: 'email:a@example.com',
  },
  {
    name: 'mailbox below a permitted host',
    constraints: 'permitted;email:example.com',
    subject: '/CN=device 1',
    san: 'email:a@sub.example.com',
  },
  {
    name: 'mailbox below a permitted domain',
    constraints: 'permitted;email:.example.com',
    subject: '/CN=device 1',
    san: 'email:a@sub.example.com',
  },
  {
    name: 'mailbox on the host of a permitted domain',
    constraints: 'permitted;email:.example.com',
    subject: '/CN=device 1',
    san: 'email:a@example.com',
  },
  {
    name: 'URI below a permitted domain',
    constraints: 'permitted;URI:.example.com',
    subject: '/CN=device 1',
    san: 'URI:https://h.example.com/x',
  },
  {
    name: 'URI on the host of a permitted domain',
    constraints: 'permitted;URI:.example.com',
    subject: '/CN=device 1',
    san: 'URI:https://example.com/',
  },
  {
    name: 'URI on an excluded host',
    constraints: 'excluded;URI:host.example.com',
    subject: '/CN=device 1',
    san: 'URI:http://host.example.com:8080/',
  },
  {
    name: 'subject within a permitted DN',
    constraints: 'permitted;dirName:dn_sect',
    subject: '/C=US/O=Acme Devices/CN=device 1',
  },
  {
    name: 'subject within a permitted DN, other case and spacing',
    constraints: 'permitted;dirName:dn_sect',
    subject: '/C=US/O=acme  DEVICES/CN=device 1',
  },
  {
    name: 'subject outside a permitted DN',
    constraints: 'permitted;dirName:dn_sect',
    subject: '/C=US/O=Other/CN=device 1',
  },
  {
    name: 'subject in an excluded DN',
    constraints: 'excluded;dirName:dn_sect',
    subject: '/C=US/O=Acme Devices/CN=device 1',
  },
  {
    name: 'names of another form than the constraint',
    constraints: 'permitted;IP:192.168.0.0/255.255.0.0',
    subject: '/CN=device 1',
    san: 'DNS:example.net',
  },
];

let dir: string;
const opensslVerdicts: boolean[] = [];

function run(args: string[]): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyline-nc-'));
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'root.key']);
  run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'leaf.key']);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function makeChain(c: Case, index: number): { root: string; leaf: string } {
  const config = [
    '[req]',
    'distinguished_name = req_dn',
    '[req_dn]',
    '[root_ext]',
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    `nameConstraints = critical,${c.constraints}`,
    '[dn_sect]',
    'C = US',
    'O = Acme Devices',
    '[leaf_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature',
    ...(c.san === undefined ? [] : [`subjectAltName = ${c.san}`]),
  ].join('\n');
  writeFileSync(join(dir, `${index}.cnf`), config);
  const root = `${index}-root.pem`;
  const leaf = `${index}-leaf.pem`;
  run([
    'req',
    '-new',
    '-x509',
    '-key',
    'root.key',
    '-subj',
    '/CN=Constrained Root',
    '-days',
    '2',
    '-config',
    `${index}.cnf`,
    '-extensions',
    'root_ext',
    '-out',
    root,
  ]);
  run(['req', '-new', '-key', 'leaf.key', '-subj', c.subject, '-config', `${index}.cnf`, '-out', `${index}.csr`]);
  run([
    'x509',
    '-req',
    '-in',
    `${index}.csr`,
    '-CA',
    root,
    '-CAkey',
    'root.key',
    '-set_serial',
    String(1000 + index),
    '-days',
    '1',
    '-extfile',
    `${index}.cnf`,
    '-extensions',
    'leaf_ext',
    '-out',
    leaf,
  ]);
  return { root, leaf };
}

describe('name constraints agree with `openssl verify`', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, index) => {
    const { root, leaf } = makeChain(c, index);
    const verified = spawnSync('openssl', ['verify', '-CAfile', root, leaf], { cwd: dir, encoding: 'utf8' });
    const opensslOk = verified.status === 0;
    opensslVerdicts.push(opensslOk);
    const opensslError = `${verified.stdout}${verified.stderr}`;
    if (!opensslOk) expect(opensslError).toMatch(/subtree violation|name constraint/i);

    const rootCert = Certificate.fromPem(readFileSync(join(dir, root), 'utf8'));
    const leafCert = Certificate.fromPem(readFileSync(join(dir, leaf), 'utf8'));
    const state = new NameConstraintsState();
    expect(state.apply(nameConstraintsOf(rootCert)!)).toEqual({ ok: true });
    const result = state.check(nameConstraintsInputOf(leafCert, false));
    expect({ keyline: result.ok, detail: result.ok ? '' : result.code }).toMatchObject({ keyline: opensslOk });
  });

  it('covers both verdicts', () => {
    // Guards the table itself: a peer test where OpenSSL says only one thing proves little.
    expect(opensslVerdicts.filter((ok) => ok).length).toBeGreaterThanOrEqual(5);
    expect(opensslVerdicts.filter((ok) => !ok).length).toBeGreaterThanOrEqual(5);
  });
});
