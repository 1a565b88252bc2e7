import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { EXT, OpensslPki } from '../../../core/test/trust/fixtures/openssl-pki.js';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function keyline(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`), isTty: false };
  const code = await main(['node', 'keyline', ...args], io);
  return { code, out, err };
}

describe('keyline verify', () => {
  const pki = new OpensslPki();
  const p = (name: string) => pki.path(name);
  const later = new Date(Date.now() + 3_600_000).toISOString();

  afterAll(() => pki.dispose());

  beforeAll(() => {
    pki.root('root', '/CN=CLI Root');
    pki.issue('ca', 'root', '/CN=CLI CA', EXT.ca, { days: 3000 });
    pki.issue('leaf', 'ca', '/CN=cli-device', EXT.leaf);
    pki.issue('client', 'ca', '/CN=cli-client', EXT.leafClientOnly);
    pki.issue('revoked', 'ca', '/CN=cli-revoked', EXT.leaf);
    pki.revoke('revoked', 'ca');
    pki.crl('root');
    pki.crl('ca');
    pki.root('other', '/CN=CLI Other Root');
    writeFileSync(p('bundle.pem'), pki.read('other.pem') + pki.read('root.pem'));
    writeFileSync(p('garbage.pem'), 'this is not a certificate\n');
  });

  it('exits 0 and prints the chain when valid', async () => {
    const run = await keyline(
      'verify',
      '--trust',
      p('root.pem'),
      '--untrusted',
      p('ca.pem'),
      '--at',
      later,
      p('leaf.pem'),
    );
    expect(run.code).toBe(0);
    expect(run.out).toContain('OK: a valid chain of 3 certificates');
    expect(run.out).toContain('CN=cli-device');
    expect(run.out).toMatch(/sha256:[0-9a-f]{64}/);
  });

  it('prints JSON with ok and the chain', async () => {
    const run = await keyline(
      'verify',
      '--trust',
      p('bundle.pem'),
      '--untrusted',
      p('ca.pem'),
      '--at',
      later,
      '--json',
      p('leaf.pem'),
    );
    expect(run.code).toBe(0);
    const body = JSON.parse(run.out) as { ok: boolean; chain: Array<{ subject: string; fingerprint: string }> };
    expect(body.ok).toBe(true);
    expect(body.chain.map((c) => c.subject)).toEqual(['CN=cli-device', 'CN=CLI CA', 'CN=CLI Root']);
  });

  it('exits 1 with the reason code and message when the chain is not valid', async () => {
    const expired = await keyline(
      'verify',
      '--trust',
      p('root.pem'),
      '--untrusted',
      p('ca.pem'),
      '--at',
      '2099-01-01T00:00:00Z',
      p('leaf.pem'),
    );
    expect(expired.code).toBe(1);
    expect(expired.out).toMatch(/^FAILED ERR_PATH_EXPIRED: /);
    const json = await keyline('verify', '--trust', p('root.pem'), '--at', later, '--json', p('leaf.pem'));
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, code: 'ERR_PATH_NO_ISSUER' });
  });

  it('checks the purpose', async () => {
    const args = ['verify', '--trust', p('root.pem'), '--untrusted', p('ca.pem'), '--at', later, '--json'];
    expect((await keyline(...args, '--purpose', 'clientAuth', p('client.pem'))).code).toBe(0);
    const server = await keyline(...args, '--purpose', 'serverAuth', p('client.pem'));
    expect(server.code).toBe(1);
    expect(JSON.parse(server.out)).toMatchObject({ code: 'ERR_PATH_PURPOSE_MISMATCH' });
  });

  it('checks CRLs given with --crl, repeated', async () => {
    const args = ['verify', '--trust', p('root.pem'), '--untrusted', p('ca.pem'), '--at', later, '--json'];
    const crls = ['--crl', p('root.crl.pem'), '--crl', p('ca.crl.pem')];
    expect((await keyline(...args, ...crls, p('leaf.pem'))).code).toBe(0);
    const revoked = await keyline(...args, ...crls, p('revoked.pem'));
    expect(revoked.code).toBe(1);
    expect(JSON.parse(revoked.out)).toMatchObject({ code: 'ERR_PATH_REVOKED' });
    const partial = await keyline(...args, '--crl', p('ca.crl.pem'), p('leaf.pem'));
    expect(JSON.parse(partial.out)).toMatchObject({ code: 'ERR_REVOCATION_UNKNOWN' });
  });

  it('exits 2 for bad usage and unreadable or undecodable files', async () => {
    expect((await keyline('verify', p('leaf.pem'))).code).toBe(2);
    expect((await keyline('verify', '--trust', p('missing.pem'), p('leaf.pem'))).code).toBe(2);
    expect((await keyline('verify', '--trust', p('root.pem'), p('garbage.pem'))).code).toBe(2);
    expect((await keyline('verify', '--trust', p('root.pem'), '--at', 'tomorrow', p('leaf.pem'))).code).toBe(2);
    expect((await keyline('verify', '--trust', p('root.pem'), '--purpose', 'email', p('leaf.pem'))).code).toBe(2);
    expect((await keyline('verify', '--trust', p('root.pem'), '--crl', p('leaf.pem'), p('leaf.pem'))).code).toBe(2);
    const json = await keyline('verify', '--trust', p('missing.pem'), '--json', p('leaf.pem'));
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, code: 'ERR_CLI_UNREADABLE_FILE' });
  });
});
