import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Certificate, CertificationRequest, KEYLINE_ATTRIBUTE, OID, decodePem } from '@keyline/core';
import { json, workspace, type Run, type Workspace } from '../harness.js';

interface CaJson {
  id: string;
  label: string;
  kind: string;
  status: string;
  parentId: string | null;
  serial: string | null;
  certificatePem: string | null;
  csrPem: string | null;
  fingerprint: string | null;
  manufacturerId: string | null;
  productId: string | null;
}

function certificateOf(pem: string | null): Certificate {
  expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  return Certificate.fromPem(pem!);
}

function attribute(cert: Certificate, type: string): string | undefined {
  return cert.subject.rdns.flat().find((a) => a.type === type)?.value;
}

function ok(run: Run): Run {
  if (run.code !== 0) throw new Error(`exit ${run.code}:\n${run.out}\n${run.err}`);
  return run;
}

describe('keyline root create / ca create / ca list / ca show', () => {
  let ws: Workspace;
  let root: CaJson;
  let manufacturer: CaJson;

  beforeAll(async () => {
    ws = workspace('keyline-ca-');
    ok(await ws.run('init', '--json'));
  });
  afterAll(() => ws.cleanup());

  it('root create: the ceremony prints id, serial (hex), certificatePem and the fingerprint', async () => {
    root = json<CaJson>(
      ok(await ws.run('root', 'create', '--name', 'Test Ecosystem Root', '--curve', 'P-256', '--json')),
    );
    expect(root).toMatchObject({ kind: 'root', status: 'active', parentId: null, label: 'test-ecosystem-root' });
    expect(root.id).toMatch(/^ca_[0-9a-f]+$/);
    const cert = certificateOf(root.certificatePem);
    expect(root.serial).toBe(cert.serialHex);
    expect(root.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(root.fingerprint).toBe(createHash('sha256').update(cert.der).digest('hex'));
    expect(attribute(cert, OID.commonName)).toBe('Test Ecosystem Root');
    expect(Buffer.compare(cert.subject.der, cert.issuer.der)).toBe(0);
  });

  it('root create in text mode prints the fingerprint as a ceremony reads it, and the next step', async () => {
    const run = ok(
      await ws.run('root', 'create', '--name', 'Second Root', '--validity-years', '5', '--label', 'second'),
    );
    expect(run.out).toMatch(/^Root CA created: ca_[0-9a-f]+\n/);
    expect(run.out).toMatch(/fingerprint: +SHA256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
    expect(run.out).toMatch(/label: +second\n/);
    expect(run.err).toMatch(/Next: keyline ca create --parent ca_/);
    const shown = json<CaJson>(ok(await ws.run('ca', 'show', 'second', '--json')));
    const cert = certificateOf(shown.certificatePem);
    expect(cert.notAfter.getUTCFullYear() - cert.notBefore.getUTCFullYear()).toBe(5);
  });

  it('root create refuses bad usage with exit 2', async () => {
    expect((await ws.run('root', 'create')).code).toBe(2);
    expect((await ws.run('root', 'create', '--name', 'x', '--curve', 'P-521')).code).toBe(2);
    const years = await ws.run('root', 'create', '--name', 'x', '--validity-years', 'ten', '--json');
    expect(years.code).toBe(2);
    expect(json(years)).toMatchObject({ ok: false, code: 'ERR_CLI_BAD_OPTION' });
    expect((await ws.run('root', 'create', '--name', '')).code).toBe(2);
  });

  it('ca create --kind manufacturer under the root (by label), carrying the manufacturer id', async () => {
    manufacturer = json<CaJson>(
      ok(
        await ws.run(
          'ca',
          'create',
          '--parent',
          root.label,
          '--kind',
          'manufacturer',
          '--manufacturer-id',
          'a1b2c3',
          '--name',
          'A1 Manufacturer CA',
          '--json',
        ),
      ),
    );
    expect(manufacturer).toMatchObject({
      kind: 'manufacturer',
      status: 'active',
      parentId: root.id,
      manufacturerId: 'a1b2c3',
    });
    const cert = certificateOf(manufacturer.certificatePem);
    expect(manufacturer.serial).toBe(cert.serialHex);
    expect(attribute(cert, KEYLINE_ATTRIBUTE.manufacturerId)).toBe('a1b2c3');
    expect(Buffer.compare(cert.issuer.der, certificateOf(root.certificatePem).subject.der)).toBe(0);
  });

  it('ca create --kind issuing with a product id under the manufacturer CA', async () => {
    const issuing = json<CaJson>(
      ok(
        await ws.run(
          'ca',
          'create',
          '--parent',
          manufacturer.id,
          '--kind',
          'issuing',
          '--manufacturer-id',
          'a1b2c3',
          '--product-id',
          'sensor-7',
          '--name',
          'A1 Sensor Issuing CA',
          '--json',
        ),
      ),
    );
    expect(issuing).toMatchObject({ kind: 'issuing', parentId: manufacturer.id, productId: 'sensor-7' });
    expect(attribute(certificateOf(issuing.certificatePem), KEYLINE_ATTRIBUTE.productId)).toBe('sensor-7');
  });

  it('ca create: bad usage exits 2, refusals exit 1', async () => {
    const base = ['ca', 'create', '--name', 'X CA', '--json'];
    const productOnManufacturer = await ws.run(
      ...base,
      '--parent',
      root.id,
      '--kind',
      'manufacturer',
      '--manufacturer-id',
      'a1b2c3',
      '--product-id',
      'p',
    );
    expect(productOnManufacturer.code).toBe(2);
    expect(json<{ message: string }>(productOnManufacturer).message).toContain('--kind issuing');
    expect(
      (await ws.run(...base, '--parent', root.id, '--kind', 'manufacturer', '--manufacturer-id', 'Bad_Id')).code,
    ).toBe(2);
    expect((await ws.run(...base, '--parent', root.id, '--kind', 'leaf', '--manufacturer-id', 'a1')).code).toBe(2);
    expect((await ws.run(...base, '--parent', root.id, '--kind', 'manufacturer')).code).toBe(2);
    const unknownParent = await ws.run(
      ...base,
      '--parent',
      'ca_0000',
      '--kind',
      'manufacturer',
      '--manufacturer-id',
      'a1',
    );
    expect(unknownParent.code).toBe(1);
    expect(json(unknownParent)).toMatchObject({ ok: false, code: 'ERR_CA_NOT_FOUND' });
    // An issuing CA directly under the root is against the hierarchy (KECP 5.3).
    const wrongTier = await ws.run(...base, '--parent', root.id, '--kind', 'issuing', '--manufacturer-id', 'a1b2c3');
    expect(wrongTier.code).toBe(1);
  });

  it('ca list prints an array (JSON) or a table, and filters by kind', async () => {
    const all = json<CaJson[]>(ok(await ws.run('ca', 'list', '--json')));
    expect(all.map((c) => c.kind).sort()).toEqual(['issuing', 'manufacturer', 'root', 'root']);
    expect(all.every((c) => !('certificatePem' in c))).toBe(true);
    const roots = json<CaJson[]>(ok(await ws.run('ca', 'list', '--kind', 'root', '--json')));
    expect(roots).toHaveLength(2);
    const text = ok(await ws.run('ca', 'list'));
    expect(text.out.split('\n')[0]).toMatch(/^ID +LABEL +KIND +STATUS +PARENT +SUBJECT$/);
    expect(text.out).toContain(manufacturer.id);
  });

  it('ca show by id or label; --pem prints the certificate only; an unknown CA exits 1', async () => {
    const byLabel = json<CaJson>(ok(await ws.run('ca', 'show', manufacturer.label, '--json')));
    expect(byLabel.id).toBe(manufacturer.id);
    expect(byLabel.certificatePem).toBe(manufacturer.certificatePem);
    const pem = ok(await ws.run('ca', 'show', manufacturer.id, '--pem'));
    expect(pem.out.trim()).toBe(manufacturer.certificatePem!.trim());
    const text = ok(await ws.run('ca', 'show', manufacturer.id));
    expect(text.out).toMatch(/manufacturer id: +a1b2c3\n/);
    expect((await ws.run('ca', 'show', 'nope')).code).toBe(1);
    expect((await ws.run('ca', 'show', 'bad id!')).code).toBe(2);
  });

  it('the offline ceremony: ca csr → ca sign-csr → ca install', async () => {
    const csrFile = ws.path('offline.csr');
    const pending = json<CaJson>(
      ok(
        await ws.run(
          'ca',
          'csr',
          '--parent',
          root.id,
          '--kind',
          'manufacturer',
          '--manufacturer-id',
          'offline-co',
          '--name',
          'Offline Co Manufacturer CA',
          '--out',
          csrFile,
          '--json',
        ),
      ),
    );
    expect(pending).toMatchObject({ status: 'pending', certificatePem: null, serial: null, parentId: root.id });
    const csr = CertificationRequest.fromPem(readFileSync(csrFile, 'utf8'));
    expect(pending.csrPem).toBe(readFileSync(csrFile, 'utf8'));
    expect(csr.subject.rdns.flat().find((a) => a.type === KEYLINE_ATTRIBUTE.manufacturerId)?.value).toBe('offline-co');

    // A pending CA has no certificate to print and issues nothing.
    expect((await ws.run('ca', 'show', pending.id, '--pem')).code).toBe(1);

    const certFile = ws.path('offline.pem');
    const signed = json<{ id: string; serial: string; certificatePem: string; out: string }>(
      ok(
        await ws.run(
          'ca',
          'sign-csr',
          '--parent',
          root.id,
          '--csr',
          csrFile,
          '--kind',
          'manufacturer',
          '--manufacturer-id',
          'offline-co',
          '--out',
          certFile,
          '--json',
        ),
      ),
    );
    expect(signed.out).toBe(certFile);
    expect(readFileSync(certFile, 'utf8')).toBe(signed.certificatePem);
    const cert = certificateOf(signed.certificatePem);
    expect(signed.serial).toBe(cert.serialHex);
    expect(Buffer.compare(cert.spki, csr.spki)).toBe(0);

    const installed = json<CaJson>(ok(await ws.run('ca', 'install', pending.id, certFile, '--json')));
    expect(installed).toMatchObject({ id: pending.id, status: 'active', serial: cert.serialHex });
    expect(installed.certificatePem).toBe(signed.certificatePem);

    const twice = await ws.run('ca', 'install', pending.id, certFile, '--json');
    expect(twice.code).toBe(1);
    expect(json(twice)).toMatchObject({ ok: false, code: 'ERR_CA_NOT_PENDING' });
  });

  it('ca sign-csr without --out prints the PEM; ca install refuses a certificate for another key', async () => {
    const csrFile = ws.path('other.csr');
    const other = json<CaJson>(
      ok(
        await ws.run(
          'ca',
          'csr',
          '--parent',
          root.id,
          '--kind',
          'manufacturer',
          '--manufacturer-id',
          'other-co',
          '--name',
          'Other Co CA',
          '--out',
          csrFile,
          '--json',
        ),
      ),
    );
    const printed = ok(
      await ws.run(
        'ca',
        'sign-csr',
        '--parent',
        root.id,
        '--csr',
        csrFile,
        '--kind',
        'manufacturer',
        '--manufacturer-id',
        'other-co',
      ),
    );
    expect(decodePem(printed.out, 'CERTIFICATE')).toHaveLength(1);
    // The manufacturer CA's certificate certifies another key than the pending CA's.
    writeFileSync(ws.path('wrong.pem'), manufacturer.certificatePem!);
    const wrong = await ws.run('ca', 'install', other.id, ws.path('wrong.pem'), '--json');
    expect(wrong.code).toBe(1);
    expect(json(wrong)).toMatchObject({ ok: false, code: 'ERR_CA_CERTIFICATE_MISMATCH' });
    // Files that cannot be read or are not certificates are bad input.
    expect((await ws.run('ca', 'install', other.id, ws.path('missing.pem'))).code).toBe(2);
    expect((await ws.run('ca', 'install', other.id, csrFile)).code).toBe(2);
    expect((await ws.run('ca', 'csr', '--kind', 'manufacturer', '--manufacturer-id', 'x', '--name', 'Y')).code).toBe(2);
  });
});
