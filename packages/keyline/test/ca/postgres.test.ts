import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateRevocationList, seededRandom } from '@keyline/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCertificateAuthority, type CertificateAuthority } from '../../src/ca/index.js';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import type { Store } from '../../src/ca/store-port.js';
import { initStore } from '../../src/store/index.js';
import { describeWithPostgres, sharedTestDatabase } from '../store/support/postgres.js';
import { manualClock } from './support/clock.js';
import { faultyStore } from './support/faulty-store.js';
import { deviceCsr, makeHierarchy, type Hierarchy } from './support/hierarchy.js';
import { memoryKeys } from './support/keys.js';
import { ocspStatus } from './support/ocsp.js';

/** The CA's cycle, revocation, CRLs, OCSP and recovery over PostgreSQL (a fresh database, dropped after). */
await describeWithPostgres('the CA over PostgreSQL', () => {
  const database = sharedTestDatabase();
  let store: Store;
  let dir: string;
  let ca: CertificateAuthority;
  let h: Hierarchy;
  const keys = memoryKeys();
  const clock = manualClock();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keyline-ca-pg-'));
    store = await initStore({ dataDir: dir, dbUrl: database().url });
    ca = createCertificateAuthority({ store, keys, clock, random: seededRandom(21) });
    h = await makeHierarchy(ca);
  });
  afterAll(async () => {
    ca?.close();
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('issues, reuses by request id, revokes, lists and answers', async () => {
    const csr = await deviceCsr('a5a5a5a5');
    const first = await ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'pg-1' }, CLI_ACTOR);
    const again = await ca.issue({ caId: h.issuing.id, csrDer: csr, profile: 'device', requestId: 'pg-1' }, CLI_ACTOR);
    expect(again).toMatchObject({ reused: true, record: { serialHex: first.record.serialHex } });
    await ca.revoke({ caId: h.issuing.id, serialHex: first.record.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    const full = await ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR);
    clock.advance(3_600_000);
    const delta = await ca.generateCrl({ caId: h.issuing.id, delta: true }, CLI_ACTOR);
    expect([full.number, delta.number]).toEqual([1n, 2n]);
    expect(CertificateRevocationList.fromDer(full.der).isRevoked(first.record.serialHex)?.reason).toBe('keyCompromise');
    expect((await ocspStatus(ca, h.issuing, first.record.serialHex)).status).toBe('revoked');
  });

  it('refuses a profile violation leaving the database unchanged', async () => {
    const before = [await store.certificates.count(), await store.audit.count()];
    await expect(
      ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr('NOT-HEX'), profile: 'device' }, CLI_ACTOR),
    ).rejects.toMatchObject({ code: 'ERR_CA_PROFILE_VIOLATION' });
    expect([await store.certificates.count(), await store.audit.count()]).toEqual(before);
  });

  it('recovers a crash between signing and recording', async () => {
    const broken = createCertificateAuthority({
      store: faultyStore(store, ['certificates.markValid', 'certificates.markFailed']),
      keys,
      clock,
      random: seededRandom(22),
    });
    await expect(
      broken.issue({ caId: h.issuing.id, csrDer: await deviceCsr('b6b6b6b6'), profile: 'device' }, CLI_ACTOR),
    ).rejects.toThrow();
    broken.close();
    expect(await ca.recover(CLI_ACTOR)).toEqual({ completed: 0, failed: 1, revoked: 1 });
    expect(await store.certificates.listUnfinished()).toEqual([]);
  });
});
