import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainDefinitionFromJson, rebuildChainFromChip } from '@keyline/core';
import { Pkcs11Element } from '@keyline/se';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { chainDefinitionPath, runFactoryBatch } from '../../src/factory/index.js';
import { verifyManifest } from '../../src/manifest/index.js';
import { factoryFixture, type FactoryFixture } from './support.js';

const MODULE = process.env['KEYLINE_PKCS11_MODULE'] || '/usr/lib/softhsm/libsofthsm2.so';
const REQUIRED = process.env['KEYLINE_REQUIRE_SERVICES'] === '1';
const available = spawnSync('softhsm2-util', ['--version'], { encoding: 'utf8' }).status === 0 && existsSync(MODULE);
const PIN = '246810';

/**
 * A small batch on PKCS#11 tokens (SoftHSM2): each token is one chip; its key is made on the token
 * (non-extractable), the compressed certificates are written to its data objects, the lock is the
 * element's, and the chain rebuilt from the token is the CA's record.
 */
describe.skipIf(!available && !REQUIRED)('runFactoryBatch on SoftHSM2 tokens', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyline-factory-softhsm-'));
  let fx: FactoryFixture | undefined;
  afterAll(async () => {
    await fx?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions every matching token once, and a second run skips them', { timeout: 120_000 }, async () => {
    if (!available) throw new Error('SoftHSM2 is not installed (KEYLINE_REQUIRE_SERVICES=1)');
    mkdirSync(join(dir, 'tokens'));
    const conf = join(dir, 'softhsm2.conf');
    writeFileSync(
      conf,
      `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
    );
    process.env['SOFTHSM2_CONF'] = conf;
    const labels = ['line-chip-a', 'line-chip-b', 'line-chip-c'];
    for (const label of labels) {
      const r = spawnSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', label, '--pin', PIN, '--so-pin', '13579135'],
        {
          encoding: 'utf8',
          env: { ...process.env, SOFTHSM2_CONF: conf },
        },
      );
      expect(r.status, r.stderr).toBe(0);
    }
    fx = await factoryFixture(0);
    const se = `pkcs11:model=SoftHSM%20v2?module-path=${MODULE}&pin-value=${PIN}`;
    const options = { caId: fx.h.issuing.id, productId: 'sensor-1', count: 3, se, stations: 2, batchId: 'hsm' };
    const report = await runFactoryBatch(fx.deps, options);
    expect(report).toMatchObject({ total: 3, done: 3, quarantined: 0 });
    expect(await verifyManifest(report.manifestPath, { trustRoot: fx.h.root.certificateDer! })).toMatchObject({
      ok: true,
      count: 3,
    });
    const batch = await fx.t.store.factory.getBatch('hsm');
    expect(batch?.source).not.toContain(PIN);
    const definition = chainDefinitionFromJson(readFileSync(chainDefinitionPath(report.manifestPath), 'utf8'));
    const certs = await fx.deviceCertificates();
    expect(certs.filter((c) => c.status === 'valid')).toHaveLength(3);
    for (const label of labels) {
      const element = await Pkcs11Element.open({ modulePath: MODULE, tokenLabel: label, pin: PIN });
      try {
        const info = await element.info();
        expect(info.dataLocked).toBe(true);
        await expect(element.generateKey(0)).rejects.toMatchObject({ code: 'ERR_SE_LOCKED' });
        const rebuilt = rebuildChainFromChip(definition, {
          slot8: await element.read(8, 0, 416),
          slot9: await element.read(9, 0, 72),
          chipSerial: info.serialNumber,
          publicKey: await element.getPublicKey(0),
        });
        const record = certs.find((c) => c.chipSerial === info.serialHex)!;
        expect(Buffer.compare(rebuilt.device, record.der!)).toBe(0);
      } finally {
        await element.close();
      }
    }
    const again = await runFactoryBatch(fx.deps, options);
    expect(again).toMatchObject({ total: 3, done: 0, skipped: 3 });
  });
});
