import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Certificate, CertificateRevocationList, decodePem, lint, PROFILES, hasErrors } from '@keyline/core';
import { deviceCsrPem, json, workspace, type Run, type Workspace } from '../harness.js';

interface CertJson {
  id: string;
  caId: string;
  serial: string;
  status: string;
  profile: string;
  deviceId: string | null;
  chipSerial: string | null;
  requestId: string | null;
  revokedAt: string | null;
  revocationReason: string | null;
  certificatePem?: string | null;
}

interface IssueJson extends CertJson {
  certificatePem: string;
  reused: boolean;
}

function ok(run: Run): Run {
  if (run.code !== 0) throw new Error(`exit ${run.code}:\n${run.out}\n${run.err}`);
  return run;
}

describe('keyline issue / cert list / cert show / revoke / crl', () => {
  let ws: Workspace;
  let issuingId: string;
  let issuingCert: Certificate;
  let manufacturerId: string;
  const devices: IssueJson[] = [];

  async function csrFile(name: string, deviceId: string, extra: Partial<Parameters<typeof deviceCsrPem>[0]> = {}) {
    const path = ws.path(name);
    writeFileSync(path, await deviceCsrPem({ deviceId, manufacturerId: 'acme', productId: 'thermo', ...extra }));
    return path;
  }

  beforeAll(async () => {
    ws = workspace('keyline-issue-');
    ok(await ws.run('init'));
    const root = json<{ id: string }>(ok(await ws.run('root', 'create', '--name', 'Issue Test Root', '--json')));
    manufacturerId = json<{ id: string }>(
      ok(
        await ws.run(
          ...['ca', 'create', '--parent', root.id, '--kind', 'manufacturer', '--manufacturer-id', 'acme'],
          ...['--name', 'Acme CA', '--json'],
        ),
      ),
    ).id;
    const issuing = json<{ id: string; certificatePem: string }>(
      ok(
        await ws.run(
          ...['ca', 'create', '--parent', manufacturerId, '--kind', 'issuing', '--manufacturer-id', 'acme'],
          ...['--product-id', 'thermo', '--name', 'Acme Thermo CA', '--label', 'thermo', '--json'],
        ),
      ),
    );
    issuingId = issuing.id;
    issuingCert = Certificate.fromPem(issuing.certificatePem);
  });
  afterAll(() => ws.cleanup());

  it('issue --json prints { id, serial, certificatePem, reused } and writes --out', async () => {
    const out = ws.path('device-1.pem');
    const issued = json<IssueJson>(
      ok(
        await ws.run(
          'issue',
          '--ca',
          issuingId,
          '--csr',
          await csrFile('d1.csr', '00112233aabbccdd'),
          '--out',
          out,
          '--json',
        ),
      ),
    );
    devices.push(issued);
    expect(issued).toMatchObject({
      caId: issuingId,
      status: 'valid',
      profile: 'device',
      reused: false,
      deviceId: '00112233aabbccdd',
    });
    expect(issued.id).toMatch(/^crt_/);
    const cert = Certificate.fromPem(issued.certificatePem);
    expect(issued.serial).toBe(cert.serialHex);
    // At least 64 random bits; we use 128 (16 octets).
    expect(cert.serialNumber.length).toBe(16);
    expect(readFileSync(out, 'utf8')).toBe(issued.certificatePem);
    expect(hasErrors(lint(cert, PROFILES.device, { issuer: issuingCert }))).toBe(false);
  });

  it('issue without --out prints the PEM on stdout and the summary on stderr; the CA may be named by label', async () => {
    const run = ok(await ws.run('issue', '--ca', 'thermo', '--csr', await csrFile('d2.csr', '00112233aabbccde')));
    const [der] = decodePem(run.out, 'CERTIFICATE');
    const cert = Certificate.fromDer(der!);
    expect(run.err).toContain(`Issued: serial ${cert.serialHex} by CA ${issuingId}`);
    devices.push({ ...devices[0]!, serial: cert.serialHex, deviceId: '00112233aabbccde' });
  });

  it('the same --request-id returns the same certificate (reused), a new one issues anew', async () => {
    const csr = await csrFile('d3.csr', '00112233aabbccdf');
    const first = json<IssueJson>(
      ok(await ws.run('issue', '--ca', issuingId, '--csr', csr, '--request-id', 'order-42', '--json')),
    );
    const again = json<IssueJson>(
      ok(await ws.run('issue', '--ca', issuingId, '--csr', csr, '--request-id', 'order-42', '--json')),
    );
    expect(first.reused).toBe(false);
    expect(again.reused).toBe(true);
    expect(again.serial).toBe(first.serial);
    expect(again.certificatePem).toBe(first.certificatePem);
    expect(again.requestId).toBe('order-42');
    const text = ok(await ws.run('issue', '--ca', issuingId, '--csr', csr, '--request-id', 'order-42'));
    expect(text.err).toContain('Already issued for request order-42');
    devices.push(first);
  });

  it('issue refuses a CSR against the profile (exit 1) and bad input (exit 2)', async () => {
    const wrongMaker = await ws.run(
      ...[
        'issue',
        '--ca',
        issuingId,
        '--csr',
        await csrFile('bad1.csr', '0011223344556677', { manufacturerId: 'other' }),
        '--json',
      ],
    );
    expect(wrongMaker.code).toBe(1);
    expect(json(wrongMaker)).toMatchObject({ ok: false, code: 'ERR_CA_PROFILE_VIOLATION' });
    const extra = await ws.run(
      'issue',
      '--ca',
      issuingId,
      '--csr',
      await csrFile('bad2.csr', '0011223344556678', { extraAttribute: true }),
    );
    expect(extra.code).toBe(1);

    // Tampered CSR: no proof of possession.
    const pem = await deviceCsrPem({ deviceId: '0011223344556679', manufacturerId: 'acme' });
    const der = Buffer.from(decodePem(pem, 'CERTIFICATE REQUEST')[0]!);
    der.writeUInt8(der.readUInt8(der.length - 5) ^ 0x01, der.length - 5);
    writeFileSync(ws.path('tampered.der'), der);
    const tampered = await ws.run('issue', '--ca', issuingId, '--csr', ws.path('tampered.der'), '--json');
    expect(tampered.code).toBe(1);
    expect(json(tampered)).toMatchObject({ ok: false, code: 'ERR_CA_CSR_SIGNATURE' });

    writeFileSync(ws.path('garbage.der'), Uint8Array.of(0x30, 0x82, 0xff, 0xff, 0x01));
    expect((await ws.run('issue', '--ca', issuingId, '--csr', ws.path('garbage.der'))).code).toBe(2);
    expect((await ws.run('issue', '--ca', issuingId, '--csr', ws.path('none.csr'))).code).toBe(2);
    expect((await ws.run('issue', '--ca', issuingId, '--csr', ws.path('d1.csr'), '--profile', 'root')).code).toBe(2);
    expect(
      (await ws.run('issue', '--ca', issuingId, '--csr', ws.path('d1.csr'), '--request-id', 'has space')).code,
    ).toBe(2);
    expect((await ws.run('issue', '--csr', ws.path('d1.csr'))).code).toBe(2);
    expect((await ws.run('issue', '--ca', 'ca_missing', '--csr', ws.path('d1.csr'))).code).toBe(1);
  });

  it('cert list --ca <id> --json prints an array with serial, deviceId, status and chipSerial', async () => {
    const list = json<CertJson[]>(ok(await ws.run('cert', 'list', '--ca', issuingId, '--json')));
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((c) => c.serial).sort()).toEqual(devices.map((d) => d.serial).sort());
    for (const item of list) {
      expect(item).toMatchObject({ caId: issuingId, status: 'valid', chipSerial: null, profile: 'device' });
      expect(item.deviceId).toMatch(/^00112233aabbcc/);
      expect(item.serial).toMatch(/^[0-9a-f]+$/);
    }
  });

  it('cert list filters by serial (any case, with colons), device id and status; pages with --limit/--cursor', async () => {
    const target = devices[0]!;
    const colons = target.serial.toUpperCase().match(/../g)!.join(':');
    const bySerial = json<CertJson[]>(ok(await ws.run('cert', 'list', '--serial', colons, '--json')));
    expect(bySerial.map((c) => c.serial)).toEqual([target.serial]);
    const byDevice = json<CertJson[]>(ok(await ws.run('cert', 'list', '--device-id', '00112233AABBCCDE', '--json')));
    expect(byDevice.map((c) => c.deviceId)).toEqual(['00112233aabbccde']);
    expect(
      json<CertJson[]>(ok(await ws.run('cert', 'list', '--ca', issuingId, '--status', 'revoked', '--json'))),
    ).toEqual([]);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const run = ok(
        await ws.run(
          'cert',
          'list',
          '--ca',
          issuingId,
          '--limit',
          '1',
          '--json',
          ...(cursor ? ['--cursor', cursor] : []),
        ),
      );
      const page = json<CertJson[]>(run);
      seen.push(...page.map((c) => c.serial));
      const next = /--cursor (\S+)/.exec(run.err)?.[1];
      if (next === undefined) break;
      expect(page).toHaveLength(1);
      cursor = next;
    }
    expect(seen.sort()).toEqual(devices.map((d) => d.serial).sort());

    const table = ok(await ws.run('cert', 'list', '--ca', issuingId));
    expect(table.out.split('\n')[0]).toMatch(/^SERIAL +STATUS +PROFILE +DEVICE ID +NOT AFTER +SUBJECT$/);
    expect((await ws.run('cert', 'list', '--limit', '1001')).code).toBe(2);
    expect((await ws.run('cert', 'list', '--status', 'expired')).code).toBe(2);
    expect((await ws.run('cert', 'list', '--device-id', 'xyz')).code).toBe(2);
    expect((await ws.run('cert', 'list', '--serial', 'nothex')).code).toBe(2);
  });

  it('cert show prints one certificate (JSON with certificatePem; --pem the PEM only)', async () => {
    const target = devices[0]!;
    const shown = json<CertJson>(ok(await ws.run('cert', 'show', target.serial, '--json')));
    expect(shown).toMatchObject({ id: target.id, serial: target.serial, status: 'valid' });
    expect(shown.certificatePem).toBe(target.certificatePem);
    const withCa = json<CertJson>(ok(await ws.run('cert', 'show', target.serial, '--ca', 'thermo', '--json')));
    expect(withCa.id).toBe(target.id);
    const pem = ok(await ws.run('cert', 'show', target.serial, '--pem'));
    expect(pem.out.trim()).toBe(target.certificatePem!.trim());
    expect((await ws.run('cert', 'show', 'ffff')).code).toBe(1);
    // The serial exists, but under another CA.
    expect((await ws.run('cert', 'show', target.serial, '--ca', manufacturerId)).code).toBe(1);
    expect((await ws.run('cert', 'show', 'g1')).code).toBe(2);
  });

  it('revoke marks it revoked with the reason; a second revoke is refused (exit 1)', async () => {
    const target = devices[0]!;
    const revoked = json<CertJson>(
      ok(await ws.run('revoke', '--ca', issuingId, target.serial, '--reason', 'keycompromise', '--json')),
    );
    expect(revoked).toMatchObject({ serial: target.serial, status: 'revoked', revocationReason: 'keyCompromise' });
    expect(revoked.revokedAt).not.toBeNull();
    const twice = await ws.run('revoke', '--ca', issuingId, target.serial, '--reason', 'superseded', '--json');
    expect(twice.code).toBe(1);
    expect(json(twice)).toMatchObject({ ok: false, code: 'ERR_CA_ALREADY_REVOKED' });
    const list = json<CertJson[]>(ok(await ws.run('cert', 'list', '--ca', issuingId, '--status', 'revoked', '--json')));
    expect(list.map((c) => [c.serial, c.status])).toEqual([[target.serial, 'revoked']]);
  });

  it('revoke refuses bad usage (exit 2) and unknown serials (exit 1)', async () => {
    const serial = devices[1]!.serial;
    expect((await ws.run('revoke', '--ca', issuingId, serial, '--reason', 'removeFromCRL')).code).toBe(2);
    expect((await ws.run('revoke', '--ca', issuingId, serial, '--reason', 'certificateHold')).code).toBe(2);
    expect((await ws.run('revoke', '--ca', issuingId, serial)).code).toBe(2);
    expect((await ws.run('revoke', '--ca', issuingId, 'xyz', '--reason', 'superseded')).code).toBe(2);
    expect((await ws.run('revoke', '--ca', issuingId, 'abcdef', '--reason', 'superseded')).code).toBe(1);
    // Still valid after all that.
    expect(json<CertJson>(ok(await ws.run('cert', 'show', serial, '--json'))).status).toBe('valid');
  });

  it('crl writes a DER CRL listing the revoked serial, with increasing CRL numbers; --delta and --pem', async () => {
    const out = ws.path('full.crl');
    const full = json<{ number: string; delta: boolean; entries: number; out: string; format: string }>(
      ok(await ws.run('crl', '--ca', issuingId, '--out', out, '--json')),
    );
    expect(full).toMatchObject({ delta: false, entries: 1, out, format: 'der' });
    const crl = CertificateRevocationList.fromDer(new Uint8Array(readFileSync(out)));
    expect(crl.isRevoked(devices[0]!.serial)).toBeDefined();
    expect(crl.isRevoked(devices[1]!.serial)).toBeUndefined();
    expect(crl.crlNumber?.toString()).toBe(full.number);
    expect(Buffer.compare(crl.issuer.der, issuingCert.subject.der)).toBe(0);

    const deltaOut = ws.path('delta.crl.pem');
    const delta = json<{ number: string; delta: boolean; baseNumber: string | null }>(
      ok(await ws.run('crl', '--ca', issuingId, '--delta', '--pem', '--out', deltaOut, '--json')),
    );
    expect(delta.delta).toBe(true);
    expect(BigInt(delta.number)).toBeGreaterThan(BigInt(full.number));
    expect(delta.baseNumber).toBe(full.number);
    const deltaCrl = CertificateRevocationList.fromPem(readFileSync(deltaOut, 'utf8'));
    expect(deltaCrl.isDelta).toBe(true);

    const text = ok(await ws.run('crl', '--ca', issuingId, '--out', out));
    expect(text.out).toMatch(/^Full CRL number \d+ of CA ca_\w+ written to /);
    const third = /number (\d+)/.exec(text.out)![1]!;
    expect((await ws.run('crl', '--ca', issuingId)).code).toBe(2);
    // An output that cannot be written is refused before anything is signed.
    const unwritable = await ws.run('crl', '--ca', issuingId, '--out', ws.path('no/such/dir/x.crl'), '--json');
    expect(unwritable.code).toBe(2);
    expect(json(unwritable)).toMatchObject({ ok: false, code: 'ERR_CLI_UNWRITABLE_FILE' });
    expect((await ws.run('crl', '--ca', issuingId, '--out', ws.dir)).code).toBe(2);
    const next = json<{ number: string }>(ok(await ws.run('crl', '--ca', issuingId, '--out', out, '--json')));
    expect(BigInt(next.number)).toBe(BigInt(third) + 1n);
    expect((await ws.run('crl', '--ca', 'ca_unknown', '--out', out)).code).toBe(1);
  });
});
