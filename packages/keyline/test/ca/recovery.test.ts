import { CertificateRevocationList, isKeylineError } from '@keyline/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR, SYSTEM_ACTOR } from '../../src/ca/service-port.js';
import type { Store } from '../../src/ca/store-port.js';
import { SimulatedCrash, faultyStore, type StoreCall } from './support/faulty-store.js';
import { deviceCsr, makeHierarchy, testAuthority, type Hierarchy, type TestAuthority } from './support/hierarchy.js';
import { ocspStatus } from './support/ocsp.js';

/**
 * A crash between any two steps of the issuance cycle leaves a record that recovery finishes or
 * revokes; nothing is ever signed that the store does not know about (issue 3). A crash is a store
 * call that fails (the database gone, the process dead) at that point, with the cleanup the cycle
 * attempts failing too; recovery then runs in a "restarted" authority over the same database.
 */
describe('recovery of the issuance cycle', () => {
  let t: TestAuthority;
  let h: Hierarchy;
  afterEach(async () => t?.dispose());

  /** A hierarchy made normally, then an authority whose store fails at `failing`. */
  async function setUp(failing: StoreCall[]): Promise<void> {
    t = await testAuthority();
    h = await makeHierarchy(t.ca);
    t.ca.close();
    const broken = faultyStore(t.store, failing);
    t = { ...t, ca: createCertificateAuthority({ store: broken, keys: t.keys, clock: t.clock, random: t.random }) };
  }

  /** The authority after a restart: same database and keys, healthy. */
  function restarted() {
    return createCertificateAuthority({ store: t.store, keys: t.keys, clock: t.clock, random: t.random });
  }

  async function counts() {
    return {
      certs: await t.store.certificates.count({ caId: h.issuing.id }),
      audit: await t.store.audit.count(),
      signs: t.keys.signCount(),
    };
  }

  it('a failure persisting the TBS rolls the reservation back: nothing kept, nothing signed', async () => {
    await setUp(['certificates.markSigning']);
    const before = await counts();
    await expect(
      t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
    ).rejects.toThrow(SimulatedCrash);
    expect(await counts()).toEqual(before);
    expect(await t.store.certificates.listUnfinished()).toEqual([]);
  });

  it('a crash between persisting the TBS and signing leaves a signing record; recovery fails and lists it', async () => {
    await setUp(['certificates.markFailed']);
    t.keys.failNextSigns(1);
    const before = await counts();
    await expect(
      t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
    ).rejects.toThrow('simulated signer failure');
    const [left] = await t.store.certificates.listUnfinished();
    expect(left?.status).toBe('signing');
    expect(left?.der).toBeNull();
    expect(left?.tbsDer).not.toBeNull();
    expect(t.keys.signCount()).toBe(before.signs + 1);

    const after = restarted();
    expect(await after.recover(CLI_ACTOR)).toEqual({ completed: 0, failed: 1, revoked: 1 });
    const record = await t.store.certificates.get(left!.id);
    expect(record?.status).toBe('failed');
    expect(await t.store.certificates.listUnfinished()).toEqual([]);
    const crl = CertificateRevocationList.fromDer((await after.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
    expect(crl.revokedCount).toBe(1);
    expect((await ocspStatus(after, h.issuing, left!.serialHex)).status).toBe('revoked');
    after.close();
  });

  it('a crash between signing and recording: the certificate is never returned, recovery lists its serial', async () => {
    await setUp(['certificates.markValid', 'certificates.markFailed']);
    const signs = t.keys.signCount();
    await expect(
      t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
    ).rejects.toThrow(SimulatedCrash);
    expect(t.keys.signCount()).toBe(signs + 1);
    const [left] = await t.store.certificates.listUnfinished();
    expect(left?.status).toBe('signing');

    const after = restarted();
    const result = await after.recover(SYSTEM_ACTOR);
    expect(result).toEqual({ completed: 0, failed: 1, revoked: 1 });
    const crl = CertificateRevocationList.fromDer((await after.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
    expect(crl.revoked.map((e) => e.serialHex)).toEqual([left!.serialHex]);
    // Reason unspecified: RFC 5280 5.3.1 leaves the reasonCode out.
    expect(crl.isRevoked(left!.serialHex)?.reason).toBeUndefined();
    const audit = await t.store.audit.range(1, await t.store.audit.count());
    expect(audit.at(-1)?.action).toBe('crl.sign');
    expect(audit.some((e) => e.action === 'cert.recover' && e.details.serial === left!.serialHex)).toBe(true);
    after.close();
  });

  it('when recording fails but the store still works, the cycle fails the record at once', async () => {
    await setUp(['certificates.markValid']);
    await expect(
      t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr(), profile: 'device' }, CLI_ACTOR),
    ).rejects.toThrow(SimulatedCrash);
    expect(await t.store.certificates.listUnfinished()).toEqual([]);
    const failed = await t.store.certificates.search({ caId: h.issuing.id, status: 'failed' });
    expect(failed.items).toHaveLength(1);
    expect(await restarted().recover(CLI_ACTOR)).toEqual({ completed: 0, failed: 0, revoked: 0 });
  });

  it('the audit entry and markValid share a transaction: a failing append leaves the record unrecorded', async () => {
    await setUp([]);
    const csr = await deviceCsr();
    // Break the audit log only after the first transaction (reserve + TBS) has appended its entry.
    const inner = t.store;
    let appends = 0;
    const wrapped = new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'transaction') {
          return <T>(fn: (tx: Store) => Promise<T>) =>
            target.transaction((tx) =>
              fn(
                new Proxy(tx, {
                  get(tt, p, r) {
                    if (p !== 'audit') return Reflect.get(tt, p, r) as unknown;
                    const audit = tt.audit;
                    return {
                      ...audit,
                      last: () => audit.last(),
                      append: (entry: Parameters<typeof audit.append>[0]) => {
                        appends++;
                        if (appends >= 2) throw new SimulatedCrash('audit.append');
                        return audit.append(entry);
                      },
                    };
                  },
                }),
              ),
            );
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const ca = createCertificateAuthority({ store: wrapped, keys: t.keys, clock: t.clock, random: t.random });
    await expect(
      ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'r-audit' }, CLI_ACTOR),
    ).rejects.toThrow(SimulatedCrash);
    const record = await t.store.certificates.getByRequestId(h.issuing.id, 'r-audit');
    expect(record?.status).toBe('signing');
    expect(record?.der).toBeNull();
    // The same request id now answers that the earlier attempt is unfinished, then that it failed.
    await expect(
      t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'r-audit' }, CLI_ACTOR),
    ).rejects.toMatchObject({
      code: 'ERR_CA_REQUEST_PENDING',
    });
    await restarted().recover(CLI_ACTOR);
    await expect(
      t.ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'r-audit' }, CLI_ACTOR),
    ).rejects.toMatchObject({
      code: 'ERR_CA_REQUEST_FAILED',
    });
  });

  it('a record left reserved (no TBS) is failed but not listed: nothing can have been signed', async () => {
    await setUp([]);
    const reserved = await t.store.certificates.reserve({
      id: 'crt_left_reserved',
      caId: h.issuing.id,
      serialHex: '4f00112233445566778899aabbccddee',
      profile: 'device',
      subject: 'CN=nobody',
      at: t.clock.now(),
    });
    const after = restarted();
    expect(await after.recover(CLI_ACTOR)).toEqual({ completed: 0, failed: 1, revoked: 0 });
    expect((await t.store.certificates.get(reserved.id))?.status).toBe('failed');
    const crl = CertificateRevocationList.fromDer((await after.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der);
    expect(crl.revokedCount).toBe(0);
    expect((await ocspStatus(after, h.issuing, reserved.serialHex)).status).toBe('unknown');
    after.close();
  });

  it('only an admin may run recovery', async () => {
    await setUp([]);
    const error = await t.ca
      .recover({ id: 'token:op', role: 'operator', manufacturerId: 'acme' })
      .catch((e: unknown) => e);
    expect(isKeylineError(error, 'ERR_CA_FORBIDDEN')).toBe(true);
  });
});
