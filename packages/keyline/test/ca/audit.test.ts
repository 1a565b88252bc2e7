import { generateSigner, seededRandom } from '@keyline/core';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.js';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { manualClock } from './support/clock.js';
import { deviceCsr, makeHierarchy } from './support/hierarchy.js';
import { memoryKeys } from './support/keys.js';
import { sqliteStore } from './support/store.js';

describe('the audit log the CA writes', () => {
  let dispose: (() => Promise<void>) | undefined;
  afterAll(async () => dispose?.());

  it('chains every state change and signs a checkpoint every 100 entries', async () => {
    const opened = await sqliteStore();
    dispose = opened.dispose;
    const auditKey = generateSigner('P-256');
    const ca = createCertificateAuthority({
      store: opened.store,
      keys: memoryKeys(),
      clock: manualClock(),
      random: seededRandom(7),
      auditSigner: auditKey,
    });
    const h = await makeHierarchy(ca);
    for (let i = 0; i < 60; i++) {
      const chip = (0x10000000 + i).toString(16);
      const { record } = await ca.issue(
        { caId: h.issuing.id, csrDer: await deviceCsr(chip), profile: 'device' },
        CLI_ACTOR,
      );
      if (i % 10 === 0)
        await ca.revoke({ caId: h.issuing.id, serialHex: record.serialHex, reason: 'superseded' }, CLI_ACTOR);
    }
    await ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    const result = await verifyAudit(opened.store, { auditPublicKeySpki: auditKey.publicKeySpki });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entries).toBeGreaterThan(130);
    expect(result.checkpoints).toBe(1);
    const checkpoint = (await opened.store.audit.range(100, 100))[0];
    expect(checkpoint?.action).toBe('audit.checkpoint');
    const actions = new Set((await opened.store.audit.range(1, result.entries)).map((e) => e.action));
    expect([...actions].sort()).toEqual(
      ['audit.checkpoint', 'ca.activate', 'ca.create', 'cert.issue', 'cert.prepare', 'cert.revoke', 'crl.sign'].sort(),
    );
    ca.close();
  });
});
