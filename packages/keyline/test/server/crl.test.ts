import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Certificate, CertificateRevocationList, encodePem } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { chip, deviceCsr, serverFixture, type ServerFixture } from './support/fixture.js';

const run = promisify(execFile);
let f: ServerFixture;
const files = mkdtempSync(join(tmpdir(), 'keyline-crl-'));

beforeAll(async () => {
  f = await serverFixture();
});
afterAll(async () => {
  await f.close();
  rmSync(files, { recursive: true, force: true });
});

async function crlOf(caId: string): Promise<CertificateRevocationList> {
  const r = await f.app.inject({ url: `/crl/${caId}.crl` });
  expect(r.statusCode, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/pkix-crl');
  return CertificateRevocationList.fromDer(new Uint8Array(r.rawPayload));
}

describe('CRLs at /crl/<ca-id>.crl (DER, application/pkix-crl)', () => {
  it('serves a CRL signed by the CA, made on first request', async () => {
    const crl = await crlOf(f.line1.id);
    expect(Buffer.compare(crl.issuer.der, Certificate.fromDer(f.line1.certificateDer!).subject.der)).toBe(0);
    expect(crl.crlNumber).toBeGreaterThan(0n);
    expect(crl.revokedCount).toBe(0);
  });

  it('serves the same CRL while it is fresh', async () => {
    const a = await crlOf(f.line1.id);
    const b = await crlOf(f.line1.id);
    expect(b.crlNumber).toBe(a.crlNumber);
  });

  it('re-signs after a revocation made outside the server (as the CLI would), listing it', async () => {
    const before = await crlOf(f.line1.id);
    const issued = await f.ca.issue(
      { caId: f.line1.id, csrDer: await deviceCsr(chip()), profile: 'device' },
      CLI_ACTOR,
    );
    await f.ca.revoke({ caId: f.line1.id, serialHex: issued.record.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    const after = await crlOf(f.line1.id);
    expect(after.crlNumber).toBeGreaterThan(before.crlNumber!);
    expect(after.isRevoked(issued.record.serialHex)?.reason).toBe('keyCompromise');
  });

  it('re-signs when nextUpdate comes near', async () => {
    const before = await crlOf(f.line1.id);
    f.clock.advance(before.nextUpdate!.getTime() - f.clock.now().getTime() - 1000);
    const after = await crlOf(f.line1.id);
    expect(after.crlNumber).toBeGreaterThan(before.crlNumber!);
    expect(after.thisUpdate.getTime()).toBeGreaterThan(before.thisUpdate.getTime());
  });

  it('OpenSSL reads it (openssl crl -inform DER) and refuses the revoked certificate (openssl verify -crl_check)', async () => {
    // Back to the real time: OpenSSL judges validity by its own clock.
    const fresh = await serverFixture();
    try {
      const issued = await fresh.ca.issue(
        { caId: fresh.line1.id, csrDer: await deviceCsr(chip()), profile: 'device' },
        CLI_ACTOR,
      );
      const good = await fresh.ca.issue(
        { caId: fresh.line1.id, csrDer: await deviceCsr(chip()), profile: 'device' },
        CLI_ACTOR,
      );
      await fresh.ca.revoke(
        { caId: fresh.line1.id, serialHex: issued.record.serialHex, reason: 'keyCompromise' },
        CLI_ACTOR,
      );
      const crls: string[] = [];
      for (const ca of [fresh.line1, fresh.acme, fresh.root]) {
        const r = await fresh.app.inject({ url: `/crl/${ca.id}.crl` });
        writeFileSync(join(files, `${ca.label}.crl`), r.rawPayload);
        const { stdout } = await run('openssl', [
          'crl',
          '-inform',
          'DER',
          '-in',
          join(files, `${ca.label}.crl`),
          '-noout',
          '-text',
        ]);
        expect(stdout).toContain('Certificate Revocation List');
        crls.push(encodePem('X509 CRL', new Uint8Array(r.rawPayload)));
      }
      const listed = await run('openssl', [
        'crl',
        '-inform',
        'DER',
        '-in',
        join(files, 'line1.crl'),
        '-noout',
        '-text',
      ]);
      expect(listed.stdout.toUpperCase()).toContain(issued.record.serialHex.toUpperCase());
      writeFileSync(join(files, 'crls.pem'), crls.join(''));
      writeFileSync(join(files, 'root.pem'), encodePem('CERTIFICATE', fresh.root.certificateDer!));
      writeFileSync(
        join(files, 'chain.pem'),
        [fresh.line1, fresh.acme].map((c) => encodePem('CERTIFICATE', c.certificateDer!)).join(''),
      );
      writeFileSync(join(files, 'revoked.pem'), encodePem('CERTIFICATE', issued.record.der!));
      writeFileSync(join(files, 'good.pem'), encodePem('CERTIFICATE', good.record.der!));
      const verify = (leaf: string) =>
        run('openssl', [
          'verify',
          '-crl_check_all',
          '-CRLfile',
          join(files, 'crls.pem'),
          '-CAfile',
          join(files, 'root.pem'),
          '-untrusted',
          join(files, 'chain.pem'),
          join(files, leaf),
        ]).then(
          (r) => ({ ok: true, out: r.stdout + r.stderr }),
          (e: { stdout: string; stderr: string }) => ({ ok: false, out: e.stdout + e.stderr }),
        );
      const ok = await verify('good.pem');
      expect(ok.out).toMatch(/good\.pem: OK/);
      const refused = await verify('revoked.pem');
      expect(refused.ok).toBe(false);
      expect(refused.out).toMatch(/certificate revoked/);
    } finally {
      await fresh.close();
    }
  });

  it('409 for a pending CA: without a certificate it has no CRL', async () => {
    const pending = await f.ca.createCaCsr(
      { name: 'Offline Child', kind: 'issuing', manufacturerId: 'acme', label: 'pending' },
      CLI_ACTOR,
    );
    const r = await f.app.inject({ url: `/crl/${pending.ca.id}.crl` });
    expect(r.statusCode).toBe(409);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_CA_NOT_ACTIVE' });
  });
});
