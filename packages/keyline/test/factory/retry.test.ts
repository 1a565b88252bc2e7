import { existsSync, readFileSync } from 'node:fs';
import { openTrayChip } from '@keyline/se';
import { afterEach, describe, expect, it } from 'vitest';
import { runFactoryBatch, type FactoryRunOptions } from '../../src/factory/index.js';
import { verifyManifest } from '../../src/manifest/index.js';
import { factoryFixture, type FactoryFixture } from './support.js';

let fx: FactoryFixture | undefined;
afterEach(async () => {
  await fx?.dispose();
  fx = undefined;
});

/** The run options of a test batch of `count` chips on the fixture's tray. */
function batchOptions(f: FactoryFixture, count: number, batchId: string): FactoryRunOptions {
  return { caId: f.h.issuing.id, productId: 'sensor-1', count, se: f.se, batchId };
}

/** The base64 DER of every device line of a manifest, by chip serial. */
function manifestCertificates(path: string): Map<string, string> {
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; chipSerial: string; certificate: string });
  return new Map(lines.filter((l) => l.type === 'device').map((l) => [l.chipSerial, l.certificate]));
}

/** Every certificate issued is in the manifest or revoked, nothing revoked is in it, one valid per done chip. */
async function expectManifestHonest(f: FactoryFixture, manifestPath: string, count: number): Promise<void> {
  expect(await verifyManifest(manifestPath, { trustRoot: f.h.root.certificateDer! })).toMatchObject({
    ok: true,
    count,
  });
  const inManifest = manifestCertificates(manifestPath);
  const certs = await f.deviceCertificates();
  for (const c of certs) {
    const der = Buffer.from(c.der!).toString('base64');
    if (c.status === 'valid') expect(inManifest.get(c.chipSerial!)).toBe(der);
    else expect([...inManifest.values()]).not.toContain(der);
  }
  expect(certs.filter((c) => c.status === 'valid')).toHaveLength(count);
}

describe('retrying quarantined chips', () => {
  it('a chip quarantined by a transient fault before the lock: skipped without the flag, retried with it to one valid certificate', async () => {
    fx = await factoryFixture(4);
    const victim = fx.serials[1]!;
    // One failed write: a transport fault that does not come back.
    await fx.fault(victim, { operation: 'write', effect: 'fail', count: 1 });
    const options = batchOptions(fx, 4, 'r1');
    const first = await runFactoryBatch(fx.deps, options);
    expect(first).toMatchObject({ done: 3, quarantined: 1, revoked: 1, retried: 0, notRetried: [] });
    expect(first.quarantine).toMatchObject([{ chipSerial: victim, code: 'ERR_SE_EXECUTION_FAILED' }]);
    const [firstCert] = (await fx.deviceCertificates()).filter((c) => c.chipSerial === victim);
    expect(firstCert).toMatchObject({ status: 'revoked', revocationReason: 'cessationOfOperation' });

    // Without the flag the chip stays quarantined and untouched.
    const again = await runFactoryBatch(fx.deps, options);
    expect(again).toMatchObject({ done: 0, skipped: 3, quarantined: 1, retried: 0, notRetried: [] });
    expect(await fx.deviceCertificates()).toHaveLength(4);
    expect((await fx.t.store.factory.findChips([victim]))[0]).toMatchObject({ state: 'quarantined', attempt: 1 });

    const retried = await runFactoryBatch(fx.deps, { ...options, retryQuarantined: true });
    expect(retried).toMatchObject({ done: 1, skipped: 3, quarantined: 0, retried: 1, notRetried: [], revoked: 1 });
    expect(retried.quarantine).toEqual([]);
    // Exactly one valid certificate: the first revoked, the new one for the chip's new key.
    const mine = (await fx.deviceCertificates()).filter((c) => c.chipSerial === victim);
    expect(mine.map((c) => c.status).sort()).toEqual(['revoked', 'valid']);
    const valid = mine.find((c) => c.status === 'valid')!;
    expect(valid.serialHex).not.toBe(firstCert!.serialHex);
    const element = (await openTrayChip(fx.tray, victim)).element();
    expect((await element.info()).dataLocked).toBe(true);
    expect(Buffer.from(valid.der!).includes(Buffer.from(await element.getPublicKey(0)))).toBe(true);
    // The manifest verifies and lists it, with nothing revoked in it.
    await expectManifestHonest(fx, retried.manifestPath, 4);
    expect(manifestCertificates(retried.manifestPath).get(victim)).toBe(Buffer.from(valid.der!).toString('base64'));
    // Journal and audit show the retry.
    expect((await fx.t.store.factory.findChips([victim]))[0]).toMatchObject({
      state: 'done',
      attempt: 2,
      certSerial: valid.serialHex,
      code: null,
    });
    const log = (await fx.t.store.audit.range(1, 10_000)).filter((e) => e.action === 'factory.chip.retry');
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      target: `r1:${victim}`,
      details: { how: 'new-key', previousAttempt: 1, quarantineCode: 'ERR_SE_EXECUTION_FAILED' },
    });

    // Nothing left to retry: a further retry run changes nothing.
    const after = await runFactoryBatch(fx.deps, { ...options, retryQuarantined: true });
    expect(after).toMatchObject({ done: 0, skipped: 4, retried: 0, quarantined: 0 });
    expect(await fx.deviceCertificates()).toHaveLength(5);
  });

  it('a batch whose every done chip fails its re-check withdraws its earlier manifest (it would list revoked certificates)', async () => {
    fx = await factoryFixture(1);
    const [only] = fx.serials;
    const options = batchOptions(fx, 1, 'w1');
    const first = await runFactoryBatch(fx.deps, options);
    expect(first).toMatchObject({ done: 1 });
    expect(existsSync(first.manifestPath)).toBe(true);
    await fx.fault(only!, { operation: 'sign', effect: 'fail', count: 1 });
    const second = await runFactoryBatch(fx.deps, options);
    expect(second).toMatchObject({ done: 0, skipped: 0, quarantined: 1, revoked: 1 });
    expect(existsSync(first.manifestPath)).toBe(false);
    expect(await fx.t.store.factory.getBatch('w1')).toMatchObject({ status: 'complete', manifestPath: null });
  });

  it('a locked chip whose certificate was revoked is refused a retry with its reason and stays out of the manifest', async () => {
    fx = await factoryFixture(3);
    const victim = fx.serials[0]!;
    const options = batchOptions(fx, 3, 'r2');
    expect(await runFactoryBatch(fx.deps, options)).toMatchObject({ done: 3 });
    // The re-check of a resumed run meets a transient fault: the locked chip is quarantined, its certificate revoked.
    await fx.fault(victim, { operation: 'sign', effect: 'fail', count: 1 });
    const second = await runFactoryBatch(fx.deps, options);
    expect(second).toMatchObject({ skipped: 2, quarantined: 1, revoked: 1 });

    const retry = await runFactoryBatch(fx.deps, { ...options, retryChips: [victim.toUpperCase()] });
    expect(retry).toMatchObject({ done: 0, skipped: 2, quarantined: 1, retried: 0 });
    expect(retry.notRetried).toEqual([
      {
        chipSerial: victim,
        code: 'ERR_FACTORY_RETRY_REVOKED',
        reason: expect.stringMatching(/revoked \(cessationOfOperation\)/),
      },
    ]);
    // The quarantine keeps its own reason; nothing was issued or journalled for the chip.
    expect(retry.quarantine).toMatchObject([{ chipSerial: victim, code: 'ERR_SE_EXECUTION_FAILED' }]);
    expect((await fx.t.store.factory.findChips([victim]))[0]).toMatchObject({ state: 'quarantined', attempt: 1 });
    expect(await fx.deviceCertificates()).toHaveLength(3);
    expect(manifestCertificates(retry.manifestPath).has(victim)).toBe(false);
    await expectManifestHonest(fx, retry.manifestPath, 2);
  });

  it('a locked chip whose certificate is still valid is checked again and done', async () => {
    fx = await factoryFixture(2);
    const victim = fx.serials[1]!;
    const options = batchOptions(fx, 2, 'r3');
    const first = await runFactoryBatch(fx.deps, options);
    // A journal that quarantined the chip without revoking (not what this line does: the retry
    // decides from the CA's record, not from the quarantine).
    await fx.t.store.factory.updateChips(
      'r3',
      [{ chipSerial: victim, from: 'done', state: 'quarantined', code: 'ERR_SE_NOT_RESPONDING', reason: 'no answer' }],
      new Date(),
    );
    const retry = await runFactoryBatch(fx.deps, { ...options, retryQuarantined: true });
    expect(retry).toMatchObject({ done: 1, skipped: 1, quarantined: 0, retried: 1, revoked: 0, notRetried: [] });
    expect((await fx.deviceCertificates()).every((c) => c.status === 'valid')).toBe(true);
    await expectManifestHonest(fx, retry.manifestPath, 2);
    expect(retry.manifestPath).toBe(first.manifestPath);
    const log = (await fx.t.store.audit.range(1, 10_000)).filter((e) => e.action === 'factory.chip.retry');
    expect(log).toMatchObject([{ details: { how: 'recheck', quarantineCode: 'ERR_SE_NOT_RESPONDING' } }]);
  });

  it('a retry that fails again leaves the chip quarantined as it was; the manifest is rewritten', async () => {
    fx = await factoryFixture(2);
    const victim = fx.serials[0]!;
    await fx.fault(victim, { operation: 'genKey', effect: 'fail', count: 2 });
    const options = batchOptions(fx, 2, 'r4');
    const first = await runFactoryBatch(fx.deps, options);
    expect(first).toMatchObject({ done: 1, quarantined: 1, revoked: 0 });
    const retry = await runFactoryBatch(fx.deps, { ...options, retryQuarantined: true });
    expect(retry).toMatchObject({ done: 0, skipped: 1, quarantined: 1, retried: 0 });
    expect(retry.notRetried).toMatchObject([{ chipSerial: victim, code: 'ERR_SE_EXECUTION_FAILED' }]);
    expect(existsSync(retry.manifestPath)).toBe(true);
    // The fault is used up: the next retry provisions it.
    const third = await runFactoryBatch(fx.deps, { ...options, retryQuarantined: true });
    expect(third).toMatchObject({ done: 1, skipped: 1, quarantined: 0, retried: 1 });
    await expectManifestHonest(fx, third.manifestPath, 2);
  });

  it('a crash inside a retry: the old manifest was withdrawn first; a plain resume completes the chip', async () => {
    let armed = false;
    fx = await factoryFixture(3, {
      deps: {
        crashAt: (at) => {
          if (armed && at === 'after-issue') {
            armed = false;
            throw new Error('crash after-issue');
          }
        },
      },
    });
    const victim = fx.serials[2]!;
    await fx.fault(victim, { operation: 'lock', effect: 'fail', count: 1 });
    const options = batchOptions(fx, 3, 'r6');
    const first = await runFactoryBatch(fx.deps, options);
    expect(first).toMatchObject({ done: 2, quarantined: 1, revoked: 1 });
    expect(existsSync(first.manifestPath)).toBe(true);
    armed = true;
    await expect(runFactoryBatch(fx.deps, { ...options, retryQuarantined: true })).rejects.toThrow(/crash/);
    // The new certificate exists and is valid; no manifest that lacks it was left behind.
    expect((await fx.deviceCertificates()).filter((c) => c.chipSerial === victim && c.status === 'valid')).toHaveLength(
      1,
    );
    expect(existsSync(first.manifestPath)).toBe(false);
    const resumed = await runFactoryBatch(fx.deps, options);
    expect(resumed).toMatchObject({ done: 1, skipped: 2, quarantined: 0, retried: 0 });
    await expectManifestHonest(fx, resumed.manifestPath, 3);
  });

  it('with station threads: the unlocked chip retried, the locked one with a revoked certificate refused', async () => {
    fx = await factoryFixture(4);
    const [writeFails, recheckFails] = fx.serials;
    await fx.fault(writeFails!, { operation: 'write', effect: 'fail', count: 1 });
    const options: FactoryRunOptions = { ...batchOptions(fx, 4, 'r7'), threads: 1 };
    expect(await runFactoryBatch(fx.deps, options)).toMatchObject({ done: 3, quarantined: 1 });
    await fx.fault(recheckFails!, { operation: 'sign', effect: 'fail', count: 1 });
    expect(await runFactoryBatch(fx.deps, options)).toMatchObject({ skipped: 2, quarantined: 2 });
    const retry = await runFactoryBatch(fx.deps, { ...options, retryQuarantined: true });
    expect(retry).toMatchObject({ done: 1, skipped: 2, quarantined: 1, retried: 1 });
    expect(retry.notRetried).toMatchObject([{ chipSerial: recheckFails, code: 'ERR_FACTORY_RETRY_REVOKED' }]);
    await expectManifestHonest(fx, retry.manifestPath, 3);
  });

  it('refuses a chip named for a retry that is not in the batch, and a malformed serial', async () => {
    fx = await factoryFixture(3);
    const options = batchOptions(fx, 2, 'r5');
    await runFactoryBatch(fx.deps, options);
    const outside = fx.serials[2]!;
    await expect(runFactoryBatch(fx.deps, { ...options, retryChips: [outside] })).rejects.toMatchObject({
      code: 'ERR_FACTORY_BAD_INPUT',
    });
    await expect(runFactoryBatch(fx.deps, { ...options, retryChips: ['xyz'] })).rejects.toMatchObject({
      code: 'ERR_FACTORY_BAD_INPUT',
    });
  });
});
