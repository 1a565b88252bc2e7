import { chainDefinitionFromJson } from '@keyline/core';
import { Pkcs11Element } from '@keyline/se';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { chainDefinitionPath, runFactoryBatch } from '../../src/factory/index.js';
import { verifyManifest } from '../../src/manifest/index.js';
import { createSoftHsm, RUN_SOFTHSM, type SoftHsm } from '../keys/support/softhsm.js';
import { rebuildChainOfChip } from './chip-chain.js';
import { factoryFixture, type FactoryFixture } from './support.js';

const PIN = '246810';

/**
 * A small batch on PKCS#11 tokens (SoftHSM2): each token is one chip; its key is made on the token
 * (non-extractable), the compressed certificates are written to its data objects, the lock is the
 * element's, and the chain rebuilt from the token is the CA's record.
 */
describe.runIf(RUN_SOFTHSM)('runFactoryBatch on SoftHSM2 tokens', () => {
  let hsm: SoftHsm | undefined;
  let fx: FactoryFixture | undefined;
  afterAll(async () => {
    await fx?.dispose();
    hsm?.cleanup();
  });

  it('provisions every matching token once, and a second run skips them', { timeout: 120_000 }, async () => {
    // Throws where SoftHSM2 is missing: the suite runs then only when CI requires it.
    hsm = createSoftHsm();
    const labels = ['line-chip-a', 'line-chip-b', 'line-chip-c'];
    for (const label of labels) hsm.initToken(label, PIN, '13579135');
    fx = await factoryFixture(0);
    const se = `pkcs11:model=SoftHSM%20v2?module-path=${hsm.module}&pin-value=${PIN}`;
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
      const element = await Pkcs11Element.open({ modulePath: hsm.module, tokenLabel: label, pin: PIN });
      try {
        const { info, rebuilt } = await rebuildChainOfChip(element, definition);
        expect(info.dataLocked).toBe(true);
        await expect(element.generateKey(0)).rejects.toMatchObject({ code: 'ERR_SE_LOCKED' });
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
