import { readFileSync } from 'node:fs';
import {
  Certificate,
  chainDefinitionFromJson,
  generateSigner,
  isKeylineError,
  issueCertificate,
  randomSerial,
  subordinateCaFields,
  systemRandom,
} from '@keyline/core';
import { openTrayChip } from '@keyline/se';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { chainDefinitionPath, runFactoryBatch, type FactoryProgress } from '../../src/factory/index.js';
import { verifyManifest } from '../../src/manifest/index.js';
import { OpensslDir } from '../ca/support/openssl.js';
import { rebuildChainOfChip } from './chip-chain.js';
import { factoryFixture, type FactoryFixture } from './support.js';

let fx: FactoryFixture | undefined;
afterEach(async () => {
  await fx?.dispose();
  fx = undefined;
});

/** Reads every device line of a manifest. */
function manifestEntries(path: string): { chipSerial: string; certificate: string }[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; chipSerial: string; certificate: string })
    .filter((l) => l.type === 'device');
}

describe('runFactoryBatch on the emulator', () => {
  it('provisions every chip: key inside, compressed certificate written, locked, checked, in a manifest that verifies', async () => {
    fx = await factoryFixture(12);
    const progress: FactoryProgress[] = [];
    const report = await runFactoryBatch(fx.deps, {
      caId: fx.h.issuing.id,
      productId: 'sensor-1',
      count: 12,
      se: fx.se,
      stations: 3,
      batchId: 'b1',
      onProgress: (p) => progress.push(p),
    });
    expect(report.quarantine).toEqual([]);
    expect(report).toMatchObject({ batchId: 'b1', total: 12, done: 12, skipped: 0, quarantined: 0, revoked: 0 });
    expect(report.quarantine).toEqual([]);
    expect(progress.at(-1)).toMatchObject({ done: 12, total: 12, etaSeconds: 0 });

    const root = fx.h.root.certificateDer!;
    const verdict = await verifyManifest(report.manifestPath, { trustRoot: root });
    expect(verdict).toMatchObject({ ok: true, count: 12 });

    // One valid certificate per chip, each in the manifest, serials distinct and derived (compressible).
    const certs = await fx.deviceCertificates();
    expect(certs).toHaveLength(12);
    expect(certs.every((c) => c.status === 'valid')).toBe(true);
    expect(new Set(certs.map((c) => c.chipSerial))).toEqual(new Set(fx.serials));
    const entries = manifestEntries(report.manifestPath);
    expect(entries.map((e) => e.chipSerial)).toEqual(fx.serials);
    const manifestDers = new Set(entries.map((e) => e.certificate));
    for (const c of certs) expect(manifestDers.has(Buffer.from(c.der!).toString('base64'))).toBe(true);

    // Each chip: data zone locked, and the chain rebuilt from its storage is the CA's record, byte for byte.
    const definition = chainDefinitionFromJson(readFileSync(chainDefinitionPath(report.manifestPath), 'utf8'));
    for (const serial of fx.serials) {
      const element = (await openTrayChip(fx.tray, serial)).element();
      const { info, rebuilt } = await rebuildChainOfChip(element, definition);
      expect(info.dataLocked).toBe(true);
      const record = certs.find((c) => c.chipSerial === serial)!;
      expect(Buffer.compare(rebuilt.device, record.der!)).toBe(0);
      expect(Buffer.compare(rebuilt.signer, fx.h.issuing.certificateDer!)).toBe(0);
      expect(Buffer.compare(rebuilt.manufacturerCa, fx.h.manufacturer.certificateDer!)).toBe(0);
      // The emulator refuses a new identity key once the data zone is locked.
      await expect(element.generateKey(0)).rejects.toMatchObject({ code: 'ERR_SE_LOCKED' });
    }
  });

  it('OpenSSL verifies a rebuilt device certificate against the root and the chain', async () => {
    fx = await factoryFixture(2, { start: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000) });
    const report = await runFactoryBatch(fx.deps, {
      caId: fx.h.issuing.id,
      productId: 'sensor-1',
      count: 2,
      se: fx.se,
    });
    expect(report.done).toBe(2);
    const definition = chainDefinitionFromJson(readFileSync(chainDefinitionPath(report.manifestPath), 'utf8'));
    const element = (await openTrayChip(fx.tray, fx.serials[0]!)).element();
    const { rebuilt } = await rebuildChainOfChip(element, definition);
    const dir = new OpensslDir();
    try {
      const rootPem = dir.writePem('root.pem', 'CERTIFICATE', fx.h.root.certificateDer!);
      const chainPem = dir.writePem('chain.pem', 'CERTIFICATE', rebuilt.signer, rebuilt.manufacturerCa);
      const leafPem = dir.writePem('leaf.pem', 'CERTIFICATE', rebuilt.device);
      const out = dir.run('verify', '-x509_strict', '-CAfile', rootPem, '-untrusted', chainPem, leafPem);
      expect(out).toContain('leaf.pem: OK');
    } finally {
      dir.dispose();
    }
  });

  it('resumes a finished batch: every chip re-checked and skipped, nothing issued again', async () => {
    fx = await factoryFixture(5);
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: 5, se: fx.se };
    const first = await runFactoryBatch(fx.deps, options);
    const again = await runFactoryBatch(fx.deps, options);
    expect(again.batchId).toBe(first.batchId); // the derived id resumes
    expect(again).toMatchObject({ total: 5, done: 0, skipped: 5, quarantined: 0 });
    expect(await fx.deviceCertificates()).toHaveLength(5);
    expect(await verifyManifest(again.manifestPath, { trustRoot: fx.h.root.certificateDer! })).toMatchObject({
      ok: true,
      count: 5,
    });
  });

  it('quarantines failing chips with their reason, revokes their certificates, and goes on', async () => {
    fx = await factoryFixture(8);
    const [writeFails, badSignature, lockFails, silent, wrongKey] = fx.serials;
    await fx.fault(writeFails!, { operation: 'write', effect: 'fail' });
    await fx.fault(badSignature!, { operation: 'sign', effect: 'corrupt' });
    await fx.fault(lockFails!, { operation: 'lock', effect: 'fail' });
    await fx.fault(silent!, { operation: 'any', effect: 'silent' });
    await fx.fault(wrongKey!, { operation: 'genKey', effect: 'corrupt', count: 1 });
    const report = await runFactoryBatch(fx.deps, {
      caId: fx.h.issuing.id,
      productId: 'sensor-1',
      count: 8,
      se: fx.se,
      stations: 4,
    });
    expect(report).toMatchObject({ total: 8, done: 3, quarantined: 5, revoked: 4 });
    const codes = Object.fromEntries(report.quarantine.map((q) => [q.chipSerial, q.code]));
    expect(codes).toEqual({
      [writeFails!]: 'ERR_SE_EXECUTION_FAILED',
      [badSignature!]: 'ERR_FACTORY_CHALLENGE_FAILED',
      [lockFails!]: 'ERR_SE_EXECUTION_FAILED',
      [silent!]: 'ERR_SE_NOT_RESPONDING',
      [wrongKey!]: 'ERR_FACTORY_CHALLENGE_FAILED',
    });
    for (const q of report.quarantine) expect(q.reason.length).toBeGreaterThan(0);
    // Certificates: the three good chips valid and in the manifest; the four issued for quarantined
    // chips revoked; the silent chip never got one.
    const certs = await fx.deviceCertificates();
    const valid = certs.filter((c) => c.status === 'valid');
    expect(valid.map((c) => c.chipSerial).sort()).toEqual(fx.serials.slice(5).sort());
    const revoked = certs.filter((c) => c.status === 'revoked');
    expect(revoked.map((c) => c.chipSerial).sort()).toEqual([writeFails, badSignature, lockFails, wrongKey].sort());
    expect(revoked.every((c) => c.revocationReason === 'cessationOfOperation')).toBe(true);
    const entries = manifestEntries(report.manifestPath);
    expect(entries.map((e) => e.chipSerial)).toEqual(fx.serials.slice(5));
    expect(await verifyManifest(report.manifestPath, { trustRoot: fx.h.root.certificateDer! })).toMatchObject({
      ok: true,
      count: 3,
    });
    // The audit log recorded the revocations.
    const log = await fx.t.store.audit.range(1, 10_000);
    expect(log.filter((e) => e.action === 'cert.revoke')).toHaveLength(4);
  });

  it('refuses a CA that cannot provision, bad options and a batch id reused with other parameters', async () => {
    fx = await factoryFixture(2);
    const base = { productId: 'sensor-1', count: 2, se: fx.se };
    await expect(runFactoryBatch(fx.deps, { ...base, caId: fx.h.manufacturer.id })).rejects.toMatchObject({
      code: 'ERR_FACTORY_CA_UNSUITABLE',
    });
    await expect(
      runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, productId: 'other' }),
    ).rejects.toMatchObject({
      code: 'ERR_FACTORY_BAD_INPUT',
    });
    await expect(runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, se: 'usb:1' })).rejects.toMatchObject({
      code: 'ERR_FACTORY_BAD_SE',
    });
    await expect(runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, stations: 0 })).rejects.toMatchObject({
      code: 'ERR_FACTORY_BAD_INPUT',
    });
    await runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, count: 1, batchId: 'x' });
    await expect(runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, batchId: 'x' })).rejects.toMatchObject({
      code: 'ERR_FACTORY_BATCH_MISMATCH',
    });
    // A second batch takes only chips no batch holds.
    const second = await runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, count: 5, batchId: 'y' });
    expect(second).toMatchObject({ total: 1, done: 1 });
    await expect(
      runFactoryBatch(fx.deps, { ...base, caId: fx.h.issuing.id, count: 3, batchId: 'z' }),
    ).rejects.toMatchObject({ code: 'ERR_FACTORY_NO_CHIPS' });
  });

  it('issues compressible certificates: whole-hour notBefore, no expiration, derived serials', async () => {
    fx = await factoryFixture(2, { start: new Date('2026-03-01T10:42:17Z') });
    await runFactoryBatch(fx.deps, { caId: fx.h.issuing.id, productId: 'sensor-1', count: 2, se: fx.se });
    const issuing = Certificate.fromDer(fx.h.issuing.certificateDer!);
    expect(issuing.notBefore.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    for (const record of await fx.deviceCertificates()) {
      const cert = Certificate.fromDer(record.der!);
      expect(cert.notBefore.toISOString()).toBe('2026-03-01T10:00:00.000Z');
      expect(cert.notAfter.toISOString()).toBe('9999-12-31T23:59:59.000Z');
    }
  });
});

describe('an issuing CA whose certificate cannot be compressed', () => {
  it('is refused before any chip is touched (ERR_FACTORY_CA_NOT_COMPRESSIBLE)', async () => {
    fx = await factoryFixture(2);
    // An issuing CA certified the way CAs were before compressible ones: random serial, any second.
    const parent = Certificate.fromDer(fx.h.manufacturer.certificateDer!);
    const key = generateSigner('P-256');
    const { certificate } = await issueCertificate(
      subordinateCaFields({
        kind: 'issuing-ca',
        issuer: parent,
        commonName: 'Legacy Line CA',
        organization: 'Acme Devices',
        manufacturerId: 'acme',
        productId: 'sensor-1',
        serial: randomSerial(systemRandom),
        notBefore: new Date(fx.t.clock.now().getTime() + 17_000),
        validityYears: 2,
        spki: key.publicKeySpki,
      }),
      'issuing-ca',
      await fx.t.keys.open(fx.h.manufacturer.keyUri),
    );
    await fx.t.store.cas.insert({
      ...fx.h.issuing,
      id: 'ca_legacy',
      label: 'legacy',
      certificateDer: certificate.der,
      fingerprint: certificate.fingerprint,
    });
    const error = await runFactoryBatch(fx.deps, {
      caId: 'ca_legacy',
      productId: 'sensor-1',
      count: 2,
      se: fx.se,
    }).catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_FACTORY_CA_NOT_COMPRESSIBLE')).toBe(true);
    expect((await (await openTrayChip(fx.tray, fx.serials[0]!)).element().info()).dataLocked).toBe(false);
    expect(await fx.t.store.factory.findChips(fx.serials)).toEqual([]);
  });
});

describe('emulator persistence', () => {
  it('memory: chips provisioned in this process only, the tray files untouched; deferred: written out at the end', async () => {
    fx = await factoryFixture(6);
    const base = { caId: fx.h.issuing.id, productId: 'sensor-1', count: 3, se: fx.se };
    const memory = await runFactoryBatch(fx.deps, { ...base, batchId: 'mem', persistence: 'memory' });
    expect(memory).toMatchObject({ total: 3, done: 3 });
    const memoryChips = (await fx.t.store.factory.listChips('mem', -1, 10)).map((c) => c.chipSerial);
    for (const serial of memoryChips) {
      expect((await (await openTrayChip(fx.tray, serial)).element().info()).dataLocked).toBe(false);
    }
    const deferred = await runFactoryBatch(fx.deps, { ...base, batchId: 'def', persistence: 'deferred' });
    expect(deferred).toMatchObject({ total: 3, done: 3 });
    for (const c of await fx.t.store.factory.listChips('def', -1, 10)) {
      expect(memoryChips).not.toContain(c.chipSerial);
      expect((await (await openTrayChip(fx.tray, c.chipSerial)).element().info()).dataLocked).toBe(true);
    }
  });
});

describe('CA refusals surface unchanged', () => {
  it('a retired issuing CA refuses the batch before any chip is touched', async () => {
    fx = await factoryFixture(2);
    const serial = Certificate.fromDer(fx.h.issuing.certificateDer!).serialHex;
    await fx.t.ca.revoke({ caId: fx.h.manufacturer.id, serialHex: serial, reason: 'keyCompromise' }, CLI_ACTOR);
    const error = await runFactoryBatch(fx.deps, {
      caId: fx.h.issuing.id,
      productId: 'sensor-1',
      count: 2,
      se: fx.se,
    }).catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_FACTORY_CA_UNSUITABLE')).toBe(true);
    const element = (await openTrayChip(fx.tray, fx.serials[0]!)).element();
    expect((await element.info()).dataLocked).toBe(false);
  });
});
