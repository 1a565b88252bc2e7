import { randomBytes } from 'node:crypto';
import { isKeylineError, type CrlReason } from '@keyline/core';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaRecord, CertificateRecord, CertificateStatus } from '../../src/ca/records.js';
import type { AuditEntry, NewCa, NewCertificate, Store } from '../../src/ca/store-port.js';

/**
 * The contract every Store implementation keeps (ca/store-port.ts), written once and run
 * against each engine: SQLite always, PostgreSQL when reachable (see sqlite.test.ts and
 * postgres.test.ts). `factory` hands each test a fresh, empty, initialised store; the suite
 * closes it after the test.
 */
export type StoreFactory = () => Promise<Store>;

const T0 = new Date('2025-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

let counter = 0;
function uid(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${hex(4)}`;
}

function newCa(overrides: Partial<NewCa> = {}): NewCa {
  const id = uid('ca');
  return {
    id,
    label: `label-${id}`,
    kind: 'issuing',
    parentId: null,
    subject: `CN=${id}`,
    manufacturerId: null,
    productId: null,
    keyUri: `file:keys/${id}.p8`,
    certificateDer: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
    csrDer: null,
    status: 'active',
    fingerprint: hex(32),
    ocspSignerDer: null,
    ocspSignerKeyUri: null,
    createdAt: T0,
    ...overrides,
  };
}

function newCert(caId: string, overrides: Partial<NewCertificate> = {}): NewCertificate {
  return {
    id: uid('crt'),
    caId,
    serialHex: hex(16),
    profile: 'device',
    subject: 'CN=device',
    deviceId: null,
    chipSerial: null,
    requestId: null,
    at: T0,
    ...overrides,
  };
}

/** Expects `promise` to reject with a KeylineError of `code`; returns the error. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { detail?: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    expect(error.code).toBe(code);
    return error;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

function auditEntry(seq: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    seq,
    at: at(seq),
    actor: 'cli',
    action: 'cert.issue',
    target: `ca_x:${seq.toString(16)}`,
    details: { n: seq, nested: { list: [1, 'two', null, true], text: 'ünïcødé' } },
    prevHash: seq === 1 ? '0'.repeat(64) : hex(32),
    hash: hex(32),
    ...overrides,
  };
}

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await store.close();
    });

    /** A CA to hang certificates on. */
    async function ca(overrides: Partial<NewCa> = {}): Promise<CaRecord> {
      return store.cas.insert(newCa(overrides));
    }

    /** A certificate taken through the cycle to `status`. */
    async function certIn(caId: string, status: CertificateStatus, overrides: Partial<NewCertificate> = {}) {
      let record = await store.certificates.reserve(newCert(caId, overrides));
      if (status === 'reserved') return record;
      if (status === 'failed') return store.certificates.markFailed(record.id, at(1));
      record = await store.certificates.markSigning(record.id, Buffer.from('tbs'), at(0), at(3600), at(1));
      if (status === 'signing') return record;
      record = await store.certificates.markValid(record.id, Buffer.from('der'), hex(32), at(2));
      if (status === 'valid') return record;
      return store.certificates.revoke(record.id, 'keyCompromise', at(3));
    }

    describe('CAs', () => {
      it('stores a CA and reads it back by id, by label and in lists', async () => {
        const input = newCa({
          kind: 'manufacturer',
          manufacturerId: '0a0b',
          productId: '0c',
          csrDer: new Uint8Array([1, 2, 3]),
          ocspSignerDer: new Uint8Array([4, 5]),
          ocspSignerKeyUri: 'pkcs11:token=t;object=o',
        });
        const inserted = await store.cas.insert(input);
        expect(inserted).toEqual({ ...input, createdAt: T0 });
        const byId = await store.cas.get(input.id);
        expect(byId?.label).toBe(input.label);
        expect(Buffer.from(byId!.certificateDer!)).toEqual(Buffer.from(input.certificateDer!));
        expect(Buffer.from(byId!.csrDer!)).toEqual(Buffer.from([1, 2, 3]));
        expect(Buffer.from(byId!.ocspSignerDer!)).toEqual(Buffer.from([4, 5]));
        expect(byId?.createdAt).toEqual(T0);
        expect((await store.cas.getByLabel(input.label))?.id).toBe(input.id);
        expect(await store.cas.get('ca_missing')).toBeUndefined();
        expect(await store.cas.getByLabel('missing')).toBeUndefined();

        const root = await ca({ kind: 'root', createdAt: at(-10) });
        const other = await ca({ kind: 'issuing', manufacturerId: '0a0b', parentId: input.id, createdAt: at(10) });
        expect((await store.cas.list()).map((c) => c.id)).toEqual([root.id, input.id, other.id]);
        expect((await store.cas.list({ manufacturerId: '0a0b' })).map((c) => c.id)).toEqual([input.id, other.id]);
        expect((await store.cas.list({ kind: 'root' })).map((c) => c.id)).toEqual([root.id]);
        expect(await store.cas.list({ manufacturerId: 'ffff' })).toEqual([]);
      });

      it('takes the time from its clock when createdAt is left out', async () => {
        const { createdAt: _omitted, ...rest } = newCa();
        const inserted = await store.cas.insert(rest);
        expect(inserted.createdAt).toBeInstanceOf(Date);
        expect(Number.isNaN(inserted.createdAt.getTime())).toBe(false);
        expect((await store.cas.get(rest.id))?.createdAt).toEqual(inserted.createdAt);
      });

      it('refuses a taken label or id with ERR_STORE_CONFLICT and changes nothing', async () => {
        const first = await ca();
        const byLabel = await rejectsWith(store.cas.insert(newCa({ label: first.label })), 'ERR_STORE_CONFLICT');
        expect(byLabel.detail).toMatchObject({ key: 'label' });
        const byId = await rejectsWith(store.cas.insert(newCa({ id: first.id })), 'ERR_STORE_CONFLICT');
        expect(byId.detail).toMatchObject({ key: 'id' });
        expect(await store.cas.list()).toHaveLength(1);
      });

      it('refuses a parent that does not exist', async () => {
        await rejectsWith(store.cas.insert(newCa({ parentId: 'ca_nobody' })), 'ERR_STORE_CONFLICT');
        expect(await store.cas.list()).toHaveLength(0);
      });

      it('installs the certificate of a pending CA once', async () => {
        const pending = await ca({
          status: 'pending',
          certificateDer: null,
          fingerprint: null,
          csrDer: Buffer.from('csr'),
        });
        const installed = await store.cas.install(pending.id, Buffer.from('cert'), 'ab'.repeat(32));
        expect(installed.status).toBe('active');
        expect(Buffer.from(installed.certificateDer!).toString()).toBe('cert');
        expect(installed.fingerprint).toBe('ab'.repeat(32));
        await rejectsWith(store.cas.install(pending.id, Buffer.from('other'), 'cd'.repeat(32)), 'ERR_STORE_CONFLICT');
        expect(Buffer.from((await store.cas.get(pending.id))!.certificateDer!).toString()).toBe('cert');
        await rejectsWith(store.cas.install('ca_missing', Buffer.from('x'), 'ef'), 'ERR_STORE_NOT_FOUND');
      });

      it('guards CA status changes', async () => {
        const active = await ca();
        expect((await store.cas.setStatus(active.id, 'retired')).status).toBe('retired');
        await rejectsWith(store.cas.setStatus(active.id, 'retired'), 'ERR_STORE_CONFLICT');
        expect((await store.cas.setStatus(active.id, 'active')).status).toBe('active');
        await rejectsWith(store.cas.setStatus(active.id, 'pending'), 'ERR_STORE_CONFLICT');

        const pending = await ca({ status: 'pending', certificateDer: null, fingerprint: null });
        // Active needs a certificate: only install() makes a pending CA active.
        await rejectsWith(store.cas.setStatus(pending.id, 'active'), 'ERR_STORE_CONFLICT');
        expect((await store.cas.setStatus(pending.id, 'retired')).status).toBe('retired');
        await rejectsWith(store.cas.setStatus(pending.id, 'active'), 'ERR_STORE_CONFLICT');
        expect((await store.cas.get(pending.id))?.status).toBe('retired');
        await rejectsWith(store.cas.setStatus('ca_missing', 'retired'), 'ERR_STORE_NOT_FOUND');
      });

      it('sets and replaces the OCSP signer', async () => {
        const c = await ca();
        const first = await store.cas.setOcspSigner(c.id, Buffer.from('s1'), 'file:ocsp1.p8');
        expect(Buffer.from(first.ocspSignerDer!).toString()).toBe('s1');
        expect(first.ocspSignerKeyUri).toBe('file:ocsp1.p8');
        const second = await store.cas.setOcspSigner(c.id, Buffer.from('s2'), 'file:ocsp2.p8');
        expect(Buffer.from(second.ocspSignerDer!).toString()).toBe('s2');
        expect((await store.cas.get(c.id))?.ocspSignerKeyUri).toBe('file:ocsp2.p8');
        await rejectsWith(store.cas.setOcspSigner('ca_missing', Buffer.from('s'), 'file:x'), 'ERR_STORE_NOT_FOUND');
      });

      it('replaces the OCSP signer only while it is the one expected (compare-and-set)', async () => {
        const c = await ca();
        const first = await store.cas.replaceOcspSigner(c.id, null, Buffer.from('s1'), 'file:ocsp1.p8');
        expect(first.replaced).toBe(true);
        expect(Buffer.from(first.ca.ocspSignerDer!).toString()).toBe('s1');
        // A second writer that also read "none" loses, and is told the winner's signer.
        const late = await store.cas.replaceOcspSigner(c.id, null, Buffer.from('s2'), 'file:ocsp2.p8');
        expect(late.replaced).toBe(false);
        expect(Buffer.from(late.ca.ocspSignerDer!).toString()).toBe('s1');
        expect(late.ca.ocspSignerKeyUri).toBe('file:ocsp1.p8');
        const stale = await store.cas.replaceOcspSigner(c.id, Buffer.from('s0'), Buffer.from('s3'), 'file:ocsp3.p8');
        expect(stale.replaced).toBe(false);
        const next = await store.cas.replaceOcspSigner(c.id, Buffer.from('s1'), Buffer.from('s4'), 'file:ocsp4.p8');
        expect(next.replaced).toBe(true);
        const now = await store.cas.get(c.id);
        expect(Buffer.from(now!.ocspSignerDer!).toString()).toBe('s4');
        expect(now!.ocspSignerKeyUri).toBe('file:ocsp4.p8');
        // Inside a transaction too (the OCSP signer is recorded in the issuance cycle's last one).
        const inTx = await store.transaction((tx) =>
          tx.cas.replaceOcspSigner(c.id, Buffer.from('s1'), Buffer.from('s5'), 'file:ocsp5.p8'),
        );
        expect(inTx.replaced).toBe(false);
        await rejectsWith(
          store.cas.replaceOcspSigner('ca_missing', null, Buffer.from('s'), 'file:x'),
          'ERR_STORE_NOT_FOUND',
        );
      });
    });

    describe('certificates: the issuance cycle', () => {
      it('walks reserved → signing → valid → revoked, keeping every field', async () => {
        const c = await ca();
        const input = newCert(c.id, { deviceId: 'dev01', chipSerial: 'chip01', requestId: 'req-1', profile: 'ldevid' });
        const reserved = await store.certificates.reserve(input);
        expect(reserved).toEqual({
          id: input.id,
          caId: c.id,
          serialHex: input.serialHex,
          profile: 'ldevid',
          status: 'reserved',
          subject: 'CN=device',
          tbsDer: null,
          der: null,
          notBefore: null,
          notAfter: null,
          deviceId: 'dev01',
          chipSerial: 'chip01',
          requestId: 'req-1',
          revokedAt: null,
          revocationReason: null,
          fingerprint: null,
          createdAt: T0,
          updatedAt: T0,
        });
        expect(await store.certificates.get(input.id)).toEqual(reserved);

        // The 802.1AR "no expiration" notAfter (9999-12-31T23:59:59Z) is stored exactly.
        const noExpiry = new Date('9999-12-31T23:59:59.000Z');
        const signing = await store.certificates.markSigning(
          input.id,
          new Uint8Array([0x30, 0x01, 0x00]),
          at(0),
          noExpiry,
          at(1),
        );
        expect(signing.status).toBe('signing');
        expect(Buffer.from(signing.tbsDer!)).toEqual(Buffer.from([0x30, 0x01, 0x00]));
        expect(signing.notBefore).toEqual(at(0));
        expect(signing.notAfter).toEqual(noExpiry);
        expect(signing.updatedAt).toEqual(at(1));
        expect(signing.createdAt).toEqual(T0);

        const fingerprint = hex(32);
        const valid = await store.certificates.markValid(input.id, Buffer.from('certificate'), fingerprint, at(2));
        expect(valid.status).toBe('valid');
        expect(Buffer.from(valid.der!).toString()).toBe('certificate');
        expect(Buffer.from(valid.tbsDer!)).toEqual(Buffer.from([0x30, 0x01, 0x00]));
        expect(valid.fingerprint).toBe(fingerprint);

        const revoked = await store.certificates.revoke(input.id, 'keyCompromise', at(3));
        expect(revoked).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise', revokedAt: at(3) });
        expect(await store.certificates.get(input.id)).toEqual(revoked);
        expect(await store.certificates.getBySerial(c.id, input.serialHex)).toEqual(revoked);
        expect(await store.certificates.getByRequestId(c.id, 'req-1')).toEqual(revoked);
      });

      it('fails unfinished records from reserved and from signing', async () => {
        const c = await ca();
        const r = await certIn(c.id, 'reserved');
        const s = await certIn(c.id, 'signing');
        expect((await store.certificates.markFailed(r.id, at(5))).status).toBe('failed');
        const failed = await store.certificates.markFailed(s.id, at(5));
        expect(failed.status).toBe('failed');
        // The persisted TBS stays: recovery lists a possibly-signed serial as revoked.
        expect(Buffer.from(failed.tbsDer!).toString()).toBe('tbs');
      });

      it('refuses every transition out of order with ERR_STORE_CONFLICT and leaves the record as it was', async () => {
        const c = await ca();
        const cases: { from: CertificateStatus; call: (id: string) => Promise<CertificateRecord> }[] = [
          { from: 'reserved', call: (id) => store.certificates.markValid(id, Buffer.from('x'), 'f', at(9)) },
          { from: 'reserved', call: (id) => store.certificates.revoke(id, 'superseded', at(9)) },
          { from: 'signing', call: (id) => store.certificates.markSigning(id, Buffer.from('x'), at(0), at(1), at(9)) },
          { from: 'signing', call: (id) => store.certificates.revoke(id, 'superseded', at(9)) },
          { from: 'valid', call: (id) => store.certificates.markSigning(id, Buffer.from('x'), at(0), at(1), at(9)) },
          { from: 'valid', call: (id) => store.certificates.markValid(id, Buffer.from('x'), 'f', at(9)) },
          { from: 'valid', call: (id) => store.certificates.markFailed(id, at(9)) },
          { from: 'revoked', call: (id) => store.certificates.revoke(id, 'superseded', at(9)) },
          { from: 'revoked', call: (id) => store.certificates.markFailed(id, at(9)) },
          { from: 'revoked', call: (id) => store.certificates.markValid(id, Buffer.from('x'), 'f', at(9)) },
          { from: 'failed', call: (id) => store.certificates.markSigning(id, Buffer.from('x'), at(0), at(1), at(9)) },
          { from: 'failed', call: (id) => store.certificates.markValid(id, Buffer.from('x'), 'f', at(9)) },
          { from: 'failed', call: (id) => store.certificates.markFailed(id, at(9)) },
          { from: 'failed', call: (id) => store.certificates.revoke(id, 'superseded', at(9)) },
        ];
        for (const { from, call } of cases) {
          const record = await certIn(c.id, from);
          const error = await rejectsWith(call(record.id), 'ERR_STORE_CONFLICT');
          expect(error.detail).toMatchObject({ status: from });
          expect(await store.certificates.get(record.id)).toEqual(record);
        }
      });

      it('answers ERR_STORE_NOT_FOUND for a transition of an unknown record', async () => {
        await rejectsWith(
          store.certificates.markSigning('crt_none', Buffer.from('x'), at(0), at(1), at(2)),
          'ERR_STORE_NOT_FOUND',
        );
        await rejectsWith(
          store.certificates.markValid('crt_none', Buffer.from('x'), 'f', at(2)),
          'ERR_STORE_NOT_FOUND',
        );
        await rejectsWith(store.certificates.markFailed('crt_none', at(2)), 'ERR_STORE_NOT_FOUND');
        await rejectsWith(store.certificates.revoke('crt_none', 'unspecified', at(2)), 'ERR_STORE_NOT_FOUND');
        expect(await store.certificates.get('crt_none')).toBeUndefined();
      });

      it('follows the state machine for any sequence of calls (property)', async () => {
        const c = await ca();
        type Op = 'sign' | 'valid' | 'fail' | 'revoke';
        const next: Record<Op, { from: readonly CertificateStatus[]; to: CertificateStatus }> = {
          sign: { from: ['reserved'], to: 'signing' },
          valid: { from: ['signing'], to: 'valid' },
          fail: { from: ['reserved', 'signing'], to: 'failed' },
          revoke: { from: ['valid'], to: 'revoked' },
        };
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.constantFrom<Op>('sign', 'valid', 'fail', 'revoke'), { maxLength: 6 }),
            async (ops) => {
              const record = await store.certificates.reserve(newCert(c.id));
              let model: CertificateStatus = 'reserved';
              for (const op of ops) {
                const call =
                  op === 'sign'
                    ? store.certificates.markSigning(record.id, Buffer.from('t'), at(0), at(1), at(2))
                    : op === 'valid'
                      ? store.certificates.markValid(record.id, Buffer.from('d'), 'f', at(3))
                      : op === 'fail'
                        ? store.certificates.markFailed(record.id, at(4))
                        : store.certificates.revoke(record.id, 'cessationOfOperation', at(5));
                if (next[op].from.includes(model)) {
                  expect((await call).status).toBe(next[op].to);
                  model = next[op].to;
                } else {
                  await rejectsWith(call, 'ERR_STORE_CONFLICT');
                }
                expect((await store.certificates.get(record.id))?.status).toBe(model);
              }
            },
          ),
          { numRuns: 25 },
        );
      });
    });

    describe('certificates: uniqueness', () => {
      it('keeps serials unique per CA, not across CAs', async () => {
        const a = await ca();
        const b = await ca();
        const first = await store.certificates.reserve(newCert(a.id));
        const error = await rejectsWith(
          store.certificates.reserve(newCert(a.id, { serialHex: first.serialHex })),
          'ERR_STORE_CONFLICT',
        );
        expect(error.detail).toMatchObject({ key: 'serialHex' });
        const elsewhere = await store.certificates.reserve(newCert(b.id, { serialHex: first.serialHex }));
        expect(elsewhere.caId).toBe(b.id);
        expect(await store.certificates.count({ caId: a.id })).toBe(1);
        expect((await store.certificates.getBySerial(a.id, first.serialHex))?.id).toBe(first.id);
        expect((await store.certificates.getBySerial(b.id, first.serialHex))?.id).toBe(elsewhere.id);
        expect(await store.certificates.getBySerial(a.id, 'ffff')).toBeUndefined();
      });

      it('keeps request ids unique per CA, and allows any number of records without one', async () => {
        const a = await ca();
        const b = await ca();
        const first = await store.certificates.reserve(newCert(a.id, { requestId: 'order-7' }));
        const error = await rejectsWith(
          store.certificates.reserve(newCert(a.id, { requestId: 'order-7' })),
          'ERR_STORE_CONFLICT',
        );
        expect(error.detail).toMatchObject({ key: 'requestId' });
        await store.certificates.reserve(newCert(b.id, { requestId: 'order-7' }));
        for (let i = 0; i < 3; i++) await store.certificates.reserve(newCert(a.id, { requestId: null }));
        await store.certificates.reserve(newCert(a.id, { requestId: undefined }));
        expect(await store.certificates.count({ caId: a.id })).toBe(5);
        expect((await store.certificates.getByRequestId(a.id, 'order-7'))?.id).toBe(first.id);
        expect(await store.certificates.getByRequestId(a.id, 'order-8')).toBeUndefined();
      });

      it('refuses a record id used before, and a CA that does not exist', async () => {
        const a = await ca();
        const first = await store.certificates.reserve(newCert(a.id));
        const error = await rejectsWith(
          store.certificates.reserve(newCert(a.id, { id: first.id })),
          'ERR_STORE_CONFLICT',
        );
        expect(error.detail).toMatchObject({ key: 'id' });
        await rejectsWith(store.certificates.reserve(newCert('ca_nobody')), 'ERR_STORE_CONFLICT');
        expect(await store.certificates.count()).toBe(1);
      });

      it('lets exactly one of many concurrent reservations of the same serial win', async () => {
        const a = await ca();
        const serialHex = hex(16);
        const results = await Promise.allSettled(
          Array.from({ length: 16 }, () => store.certificates.reserve(newCert(a.id, { serialHex }))),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(15);
        for (const r of lost) expect(isKeylineError(r.reason, 'ERR_STORE_CONFLICT')).toBe(true);
        expect(await store.certificates.count({ caId: a.id })).toBe(1);
      });

      it('lets exactly one of many concurrent transactions with the same request id commit', async () => {
        const a = await ca();
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, () =>
            store.transaction(async (tx) => {
              const r = await tx.certificates.reserve(newCert(a.id, { requestId: 'same' }));
              return tx.certificates.markSigning(r.id, Buffer.from('t'), at(0), at(1), at(1));
            }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(isKeylineError(r.reason, 'ERR_STORE_CONFLICT')).toBe(true);
        }
        const page = await store.certificates.search({ caId: a.id });
        expect(page.items.map((i) => i.status)).toEqual(['signing']);
      });
    });

    describe('certificates: bulk forms (optional in the port)', () => {
      const signingRow = (id: string, k: number) => ({
        id,
        tbsDer: Buffer.from(`tbs-${k}`),
        notBefore: at(k),
        notAfter: at(k + 3600),
      });

      it('reserves, marks signing and marks valid a batch, answering in input order', async () => {
        const { reserveMany, markSigningMany, markValidMany } = store.certificates;
        if (reserveMany === undefined || markSigningMany === undefined || markValidMany === undefined) return;
        const a = await ca();
        // More rows than one statement takes, to cross a chunk boundary.
        const inputs = Array.from({ length: 450 }, (_, k) =>
          newCert(a.id, { requestId: k % 3 === 0 ? `r-${k}` : null, deviceId: `dev-${k}`, at: at(k % 7) }),
        );
        const reserved = await reserveMany.call(store.certificates, inputs);
        expect(reserved.map((r) => r.id)).toEqual(inputs.map((c) => c.id));
        expect(reserved[3]).toEqual(await store.certificates.get(inputs[3]!.id));
        expect(reserved.every((r) => r.status === 'reserved')).toBe(true);
        const ids = [...inputs.map((c) => c.id)].reverse();
        const signing = await markSigningMany.call(
          store.certificates,
          ids.map((id, k) => signingRow(id, k)),
          at(50),
        );
        expect(signing.map((r) => r.id)).toEqual(ids);
        expect(signing.every((r) => r.status === 'signing')).toBe(true);
        expect(Buffer.from(signing[7]!.tbsDer!).toString()).toBe('tbs-7');
        expect(signing[7]!.notAfter).toEqual(at(7 + 3600));
        expect(signing[7]!.updatedAt).toEqual(at(50));
        const valid = await markValidMany.call(
          store.certificates,
          ids.map((id, k) => ({ id, der: new Uint8Array([0x30, k & 0x7f]), fingerprint: `fp-${k}` })),
          at(60),
        );
        expect(valid.map((r) => r.id)).toEqual(ids);
        expect(valid[9]).toEqual(await store.certificates.get(ids[9]!));
        expect(valid[9]).toMatchObject({ status: 'valid', fingerprint: 'fp-9', updatedAt: at(60) });
        expect(Buffer.from(valid[9]!.der!)).toEqual(Buffer.from([0x30, 9]));
        expect(Buffer.from(valid[9]!.tbsDer!).toString()).toBe('tbs-9');
        expect(await store.certificates.count({ caId: a.id, status: 'valid' })).toBe(450);
        expect(await reserveMany.call(store.certificates, [])).toEqual([]);
        expect(await markSigningMany.call(store.certificates, [], at(0))).toEqual([]);
        expect(await markValidMany.call(store.certificates, [], at(0))).toEqual([]);
      });

      it('stores none of a batch when one row conflicts, naming the key, and leaves the transaction usable', async () => {
        const reserveMany = store.certificates.reserveMany;
        if (reserveMany === undefined) return;
        const a = await ca();
        const taken = await store.certificates.reserve(newCert(a.id, { requestId: 'taken' }));
        const fresh = () => Array.from({ length: 5 }, () => newCert(a.id));

        const bySerial = [...fresh(), newCert(a.id, { serialHex: taken.serialHex })];
        const e1 = await rejectsWith(reserveMany.call(store.certificates, bySerial), 'ERR_STORE_CONFLICT');
        expect(e1.detail).toMatchObject({ key: 'serialHex' });
        const byRequest = [newCert(a.id, { requestId: 'taken' }), ...fresh()];
        const e2 = await rejectsWith(reserveMany.call(store.certificates, byRequest), 'ERR_STORE_CONFLICT');
        expect(e2.detail).toMatchObject({ key: 'requestId' });
        const twice = fresh();
        const e3 = await rejectsWith(
          reserveMany.call(store.certificates, [...twice, { ...newCert(a.id), serialHex: twice[1]!.serialHex }]),
          'ERR_STORE_CONFLICT',
        );
        expect(e3.detail).toMatchObject({ key: 'serialHex' });
        expect(await store.certificates.count({ caId: a.id })).toBe(1);

        // Inside a transaction: the failed batch is undone alone, the rest commits.
        const kept = await store.transaction(async (tx) => {
          const before = await tx.certificates.reserve(newCert(a.id));
          await rejectsWith(
            tx.certificates.reserveMany!([...fresh(), newCert(a.id, { id: taken.id })]),
            'ERR_STORE_CONFLICT',
          );
          const after = await tx.certificates.reserveMany!(fresh());
          return [before.id, ...after.map((r) => r.id)];
        });
        expect(await store.certificates.count({ caId: a.id })).toBe(1 + kept.length);
      });

      it('changes none of a batch when one row is missing or in another state', async () => {
        const { markSigningMany, markValidMany } = store.certificates;
        if (markSigningMany === undefined || markValidMany === undefined) return;
        const a = await ca();
        const reserved = await Promise.all(Array.from({ length: 4 }, () => certIn(a.id, 'reserved')));
        const valid = await certIn(a.id, 'valid');
        const rows = [...reserved.map((r, k) => signingRow(r.id, k)), signingRow(valid.id, 9)];
        const e1 = await rejectsWith(markSigningMany.call(store.certificates, rows, at(5)), 'ERR_STORE_CONFLICT');
        expect(e1.detail).toMatchObject({ id: valid.id, status: 'valid' });
        for (const r of reserved) expect((await store.certificates.get(r.id))?.status).toBe('reserved');
        await rejectsWith(
          markSigningMany.call(store.certificates, [signingRow(reserved[0]!.id, 0), signingRow('crt_none', 1)], at(5)),
          'ERR_STORE_NOT_FOUND',
        );
        await rejectsWith(
          markSigningMany.call(
            store.certificates,
            [signingRow(reserved[0]!.id, 0), signingRow(reserved[0]!.id, 1)],
            at(5),
          ),
          'ERR_STORE_CONFLICT',
        );
        expect((await store.certificates.get(reserved[0]!.id))?.status).toBe('reserved');
        // markValid needs `signing`: reserved rows are refused, none changes.
        await rejectsWith(
          markValidMany.call(
            store.certificates,
            reserved.map((r) => ({ id: r.id, der: Buffer.from('d'), fingerprint: 'f' })),
            at(6),
          ),
          'ERR_STORE_CONFLICT',
        );
        expect(await store.certificates.count({ caId: a.id, status: 'reserved' })).toBe(4);
      });
    });

    describe('certificates: lists and search', () => {
      it('lists unfinished records oldest first, for one CA or all', async () => {
        const a = await ca();
        const b = await ca();
        const r1 = await certIn(a.id, 'reserved');
        await certIn(a.id, 'valid');
        const s1 = await certIn(b.id, 'signing');
        await certIn(a.id, 'failed');
        const s2 = await certIn(a.id, 'signing');
        await certIn(a.id, 'revoked');
        expect((await store.certificates.listUnfinished()).map((r) => r.id)).toEqual([r1.id, s1.id, s2.id]);
        expect((await store.certificates.listUnfinished(a.id)).map((r) => r.id)).toEqual([r1.id, s2.id]);
        expect(await store.certificates.listUnfinished('ca_none')).toEqual([]);
      });

      it('lists revoked certificates of a CA, all or at and after a time, in revocation order', async () => {
        const a = await ca();
        const b = await ca();
        const revokeAt = async (caId: string, seconds: number, reason: CrlReason) => {
          const v = await certIn(caId, 'valid');
          return store.certificates.revoke(v.id, reason, at(seconds));
        };
        const late = await revokeAt(a.id, 300, 'superseded');
        const early = await revokeAt(a.id, 100, 'keyCompromise');
        const middle = await revokeAt(a.id, 200, 'cessationOfOperation');
        await revokeAt(b.id, 150, 'unspecified');
        await certIn(a.id, 'valid');
        await certIn(a.id, 'failed');
        const all = await store.certificates.listRevoked(a.id);
        expect(all.map((r) => r.id)).toEqual([early.id, middle.id, late.id]);
        expect(all.map((r) => r.revocationReason)).toEqual(['keyCompromise', 'cessationOfOperation', 'superseded']);
        expect((await store.certificates.listRevoked(a.id, at(200))).map((r) => r.id)).toEqual([middle.id, late.id]);
        expect((await store.certificates.listRevoked(a.id, at(201))).map((r) => r.id)).toEqual([late.id]);
        expect(await store.certificates.listRevoked(a.id, at(301))).toEqual([]);
      });

      it('pages through search results with an opaque cursor, in insertion order, without repeats', async () => {
        const a = await ca();
        const ids: string[] = [];
        for (let i = 0; i < 23; i++) ids.push((await certIn(a.id, 'reserved')).id);
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page = await store.certificates.search({ caId: a.id }, { limit: 10, cursor });
          pages += 1;
          expect(page.items.length).toBe(pages < 3 ? 10 : 3);
          seen.push(...page.items.map((i) => i.id));
          cursor = page.next;
          if (cursor !== null) expect(cursor).not.toMatch(/^\d+$/);
        } while (cursor !== null);
        expect(pages).toBe(3);
        expect(seen).toEqual(ids);
        // A page that ends exactly at the last item says so.
        const exact = await store.certificates.search({ caId: a.id }, { limit: 23 });
        expect(exact.items).toHaveLength(23);
        expect(exact.next).toBeNull();
        // Records added after a page was read appear on a later page.
        const first = await store.certificates.search({ caId: a.id }, { limit: 20 });
        const added = await certIn(a.id, 'reserved');
        const rest = await store.certificates.search({ caId: a.id }, { limit: 20, cursor: first.next });
        expect(rest.items.map((i) => i.id)).toEqual([...ids.slice(20), added.id]);
        expect(rest.next).toBeNull();
        // Default page size: 100.
        for (let i = 0; i < 80; i++) await certIn(a.id, 'reserved');
        const defaults = await store.certificates.search({ caId: a.id });
        expect(defaults.items).toHaveLength(100);
        expect(defaults.next).not.toBeNull();
      });

      it('filters by CA, status, serial, device id, chip serial and manufacturer, and counts the same', async () => {
        const m1 = await ca({ manufacturerId: 'aa01' });
        const m2 = await ca({ manufacturerId: 'aa02' });
        const v1 = await certIn(m1.id, 'valid', { deviceId: 'dev-1', chipSerial: 'chip-1' });
        const v2 = await certIn(m1.id, 'valid', { deviceId: 'dev-2' });
        const r1 = await certIn(m1.id, 'revoked', { deviceId: 'dev-1' });
        const v3 = await certIn(m2.id, 'valid', { deviceId: 'dev-1', chipSerial: 'chip-1' });
        const s1 = await certIn(m2.id, 'signing');
        const ids = async (filter: Parameters<Store['certificates']['search']>[0]) => {
          const page = await store.certificates.search(filter, { limit: 1000 });
          expect(await store.certificates.count(filter)).toBe(page.items.length);
          return page.items.map((i) => i.id);
        };
        expect(await ids({})).toEqual([v1.id, v2.id, r1.id, v3.id, s1.id]);
        expect(await ids({ caId: m1.id })).toEqual([v1.id, v2.id, r1.id]);
        expect(await ids({ status: 'valid' })).toEqual([v1.id, v2.id, v3.id]);
        expect(await ids({ caId: m1.id, status: 'valid' })).toEqual([v1.id, v2.id]);
        expect(await ids({ serialHex: v2.serialHex })).toEqual([v2.id]);
        expect(await ids({ deviceId: 'dev-1' })).toEqual([v1.id, r1.id, v3.id]);
        expect(await ids({ chipSerial: 'chip-1' })).toEqual([v1.id, v3.id]);
        expect(await ids({ manufacturerId: 'aa02' })).toEqual([v3.id, s1.id]);
        expect(await ids({ manufacturerId: 'aa01', deviceId: 'dev-1', status: 'revoked' })).toEqual([r1.id]);
        expect(await ids({ manufacturerId: 'ffff' })).toEqual([]);
        expect(await store.certificates.count()).toBe(5);
      });

      it('keeps a chip serial equal to the device id (stored once) apart from a device id without one', async () => {
        const a = await ca();
        // The factory line's shape: chip serial = device id, by reserve and by the bulk prepare.
        const same = await certIn(a.id, 'valid', { deviceId: '0a0b0c0d', chipSerial: '0a0b0c0d' });
        const [bulk] = (await store.certificates.prepareMany?.([
          {
            ...newCert(a.id, { deviceId: '0e0f1011', chipSerial: '0e0f1011' }),
            tbsDer: Buffer.from('t'),
            notBefore: at(0),
            notAfter: at(9),
          },
        ])) ?? [await certIn(a.id, 'signing', { deviceId: '0e0f1011', chipSerial: '0e0f1011' })];
        // The same device id without a recorded chip serial, and another device with that chip serial.
        const noChip = await certIn(a.id, 'valid', { deviceId: '0a0b0c0d' });
        const other = await certIn(a.id, 'valid', { deviceId: 'other', chipSerial: '0a0b0c0d' });
        expect(same.chipSerial).toBe('0a0b0c0d');
        expect(bulk!.chipSerial).toBe('0e0f1011');
        expect((await store.certificates.get(same.id))?.chipSerial).toBe('0a0b0c0d');
        expect((await store.certificates.get(bulk!.id))?.chipSerial).toBe('0e0f1011');
        expect((await store.certificates.get(noChip.id))?.chipSerial).toBeNull();
        const ids = async (filter: Parameters<Store['certificates']['search']>[0]) => {
          const page = await store.certificates.search(filter, { limit: 1000 });
          expect(await store.certificates.count(filter)).toBe(page.items.length);
          return page.items.map((i) => i.id);
        };
        expect(await ids({ chipSerial: '0a0b0c0d' })).toEqual([same.id, other.id]);
        expect(await ids({ chipSerial: '0e0f1011' })).toEqual([bulk!.id]);
        expect(await ids({ deviceId: '0a0b0c0d' })).toEqual([same.id, noChip.id]);
        expect(await ids({ chipSerial: '0a0b0c0d', caId: a.id, status: 'valid' })).toEqual([same.id, other.id]);
        expect((await store.certificates.search({ chipSerial: '0a0b0c0d' })).items[0]).toEqual(
          await store.certificates.get(same.id),
        );
      });

      it('refuses cursors it did not issue and page sizes outside 1..1000 with ERR_STORE_BAD_PAGE', async () => {
        const a = await ca();
        await certIn(a.id, 'reserved');
        for (const cursor of [
          '',
          'not a cursor',
          '12',
          'bm9wZQ',
          Buffer.from('k1:-1').toString('base64url'),
          'x'.repeat(100),
        ]) {
          await rejectsWith(store.certificates.search({}, { cursor }), 'ERR_STORE_BAD_PAGE');
        }
        for (const limit of [0, -1, 1001, 1.5, Number.NaN]) {
          await rejectsWith(store.certificates.search({}, { limit }), 'ERR_STORE_BAD_PAGE');
        }
        expect((await store.certificates.search({}, { limit: 1 })).items).toHaveLength(1);
        expect((await store.certificates.search({}, { limit: 1000, cursor: null })).items).toHaveLength(1);
      });
    });

    describe('CRLs', () => {
      it('stores CRLs, serves the latest full and delta, and tracks the last number', async () => {
        const a = await ca();
        expect(await store.crls.lastNumber(a.id)).toBe(0n);
        expect(await store.crls.latest(a.id)).toBeUndefined();
        const full = {
          caId: a.id,
          number: 1n,
          delta: false,
          baseNumber: null,
          thisUpdate: at(0),
          nextUpdate: at(86400),
          der: new Uint8Array([0x30, 0x00]),
        };
        expect(await store.crls.insert(full)).toEqual(full);
        const delta = {
          ...full,
          number: 2n,
          delta: true,
          baseNumber: 1n,
          thisUpdate: at(60),
          der: Buffer.from([0x30, 0x01, 0x05]),
        };
        await store.crls.insert(delta);
        const latest = await store.crls.latest(a.id);
        expect(latest).toMatchObject({
          number: 2n,
          delta: true,
          baseNumber: 1n,
          thisUpdate: at(60),
          nextUpdate: at(86400),
        });
        expect(Buffer.from(latest!.der)).toEqual(Buffer.from([0x30, 0x01, 0x05]));
        expect((await store.crls.latest(a.id, 'full'))?.number).toBe(1n);
        expect((await store.crls.latest(a.id, 'full'))?.baseNumber).toBeNull();
        expect((await store.crls.latest(a.id, 'delta'))?.number).toBe(2n);
        expect(await store.crls.lastNumber(a.id)).toBe(2n);
        const other = await ca();
        expect(await store.crls.lastNumber(other.id)).toBe(0n);
        expect(await store.crls.latest(other.id, 'delta')).toBeUndefined();
      });

      it('refuses a cRLNumber that does not go up, across full and delta CRLs', async () => {
        const a = await ca();
        const crl = (number: bigint, delta = false) => ({
          caId: a.id,
          number,
          delta,
          baseNumber: delta ? 1n : null,
          thisUpdate: at(0),
          nextUpdate: at(60),
          der: Buffer.from([0x30, 0x00]),
        });
        await store.crls.insert(crl(5n));
        await rejectsWith(store.crls.insert(crl(5n)), 'ERR_STORE_CONFLICT');
        await rejectsWith(store.crls.insert(crl(4n, true)), 'ERR_STORE_CONFLICT');
        await rejectsWith(store.crls.insert(crl(1n)), 'ERR_STORE_CONFLICT');
        await store.crls.insert(crl(6n, true));
        await rejectsWith(store.crls.insert(crl(6n)), 'ERR_STORE_CONFLICT');
        expect(await store.crls.lastNumber(a.id)).toBe(6n);
        await rejectsWith(store.crls.insert({ ...crl(1n), caId: 'ca_nobody' }), 'ERR_STORE_NOT_FOUND');
      });

      it('keeps cRLNumbers above 2^53 exact, up to the 20-octet limit, and orders them numerically', async () => {
        const a = await ca();
        const numbers = [2n ** 53n + 1n, 2n ** 63n + 7n, 2n ** 64n, 10n ** 40n + 3n, 2n ** 159n - 1n];
        for (const number of numbers) {
          await store.crls.insert({
            caId: a.id,
            number,
            delta: false,
            baseNumber: null,
            thisUpdate: at(0),
            nextUpdate: at(60),
            der: Buffer.from([0x30, 0x00]),
          });
          expect(await store.crls.lastNumber(a.id)).toBe(number);
          expect((await store.crls.latest(a.id))?.number).toBe(number);
        }
        // 2^53 + 1 is where a double would round: check the stored value did not pass through one.
        await rejectsWith(
          store.crls.insert({
            caId: a.id,
            number: 2n ** 64n - 1n,
            delta: false,
            baseNumber: null,
            thisUpdate: at(0),
            nextUpdate: at(60),
            der: Buffer.from([0x30, 0x00]),
          }),
          'ERR_STORE_CONFLICT',
        );
        await expect(
          store.crls.insert({
            caId: a.id,
            number: 2n ** 159n,
            delta: false,
            baseNumber: null,
            thisUpdate: at(0),
            nextUpdate: at(60),
            der: Buffer.from([0x30, 0x00]),
          }),
        ).rejects.toThrow(TypeError);
      });

      it('lets exactly one of concurrent CRLs with the same number in', async () => {
        const a = await ca();
        const results = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            store.crls.insert({
              caId: a.id,
              number: 10n,
              delta: false,
              baseNumber: null,
              thisUpdate: at(i),
              nextUpdate: at(60),
              der: Buffer.from([0x30, 0x00]),
            }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(isKeylineError(r.reason, 'ERR_STORE_CONFLICT')).toBe(true);
        }
      });
    });

    describe('API tokens', () => {
      it('stores tokens by hash, lists and revokes them once', async () => {
        const admin = {
          id: 'tok_admin',
          name: 'admin',
          role: 'admin' as const,
          manufacturerId: null,
          tokenHash: hex(32),
          createdAt: at(0),
          revokedAt: null,
        };
        const operator = {
          ...admin,
          id: 'tok_op',
          name: 'line 3',
          role: 'operator' as const,
          manufacturerId: 'aa01',
          tokenHash: hex(32),
          createdAt: at(5),
        };
        expect(await store.tokens.insert(admin)).toEqual(admin);
        await store.tokens.insert(operator);
        expect(await store.tokens.getByHash(operator.tokenHash)).toEqual(operator);
        expect(await store.tokens.getByHash(hex(32))).toBeUndefined();
        expect((await store.tokens.list()).map((t) => t.id)).toEqual(['tok_admin', 'tok_op']);
        const revoked = await store.tokens.revoke('tok_op', at(10));
        expect(revoked.revokedAt).toEqual(at(10));
        await rejectsWith(store.tokens.revoke('tok_op', at(20)), 'ERR_STORE_CONFLICT');
        expect((await store.tokens.getByHash(operator.tokenHash))?.revokedAt).toEqual(at(10));
        await rejectsWith(store.tokens.revoke('tok_none', at(20)), 'ERR_STORE_NOT_FOUND');
        const sameHash = await rejectsWith(store.tokens.insert({ ...admin, id: 'tok_other' }), 'ERR_STORE_CONFLICT');
        expect(sameHash.detail).toMatchObject({ key: 'tokenHash' });
        await rejectsWith(store.tokens.insert({ ...admin, tokenHash: hex(32) }), 'ERR_STORE_CONFLICT');
        expect(await store.tokens.list()).toHaveLength(2);
      });
    });

    describe('manufacturers and products', () => {
      it('stores manufacturers and their products, unique by id', async () => {
        const m = { id: 'aa01', name: 'Acme', createdAt: at(0) };
        expect(await store.manufacturers.insert(m)).toEqual(m);
        await store.manufacturers.insert({ id: '0001', name: 'Zeta', createdAt: at(1) });
        expect(await store.manufacturers.get('aa01')).toEqual(m);
        expect(await store.manufacturers.get('ffff')).toBeUndefined();
        expect((await store.manufacturers.list()).map((x) => x.id)).toEqual(['0001', 'aa01']);
        await rejectsWith(store.manufacturers.insert({ ...m, name: 'Other' }), 'ERR_STORE_CONFLICT');
        expect((await store.manufacturers.get('aa01'))?.name).toBe('Acme');

        const p = { manufacturerId: 'aa01', id: '02', name: 'Sensor', createdAt: at(2) };
        expect(await store.manufacturers.insertProduct(p)).toEqual(p);
        await store.manufacturers.insertProduct({ ...p, id: '01', name: 'Gateway' });
        await store.manufacturers.insertProduct({ ...p, manufacturerId: '0001' });
        await rejectsWith(store.manufacturers.insertProduct({ ...p, name: 'Again' }), 'ERR_STORE_CONFLICT');
        await rejectsWith(store.manufacturers.insertProduct({ ...p, manufacturerId: 'ffff' }), 'ERR_STORE_NOT_FOUND');
        expect((await store.manufacturers.listProducts('aa01')).map((x) => [x.id, x.name])).toEqual([
          ['01', 'Gateway'],
          ['02', 'Sensor'],
        ]);
        expect(await store.manufacturers.listProducts('ffff')).toEqual([]);
      });
    });

    describe('audit log', () => {
      it('appends entries in order and reads them back exactly', async () => {
        expect(await store.audit.last()).toBeUndefined();
        expect(await store.audit.count()).toBe(0);
        const entries = Array.from({ length: 12 }, (_, i) => auditEntry(i + 1));
        for (const e of entries) await store.audit.append(e);
        expect(await store.audit.count()).toBe(12);
        expect(await store.audit.last()).toEqual(entries[11]);
        expect(await store.audit.range(1, 12)).toEqual(entries);
        expect(await store.audit.range(4, 6)).toEqual(entries.slice(3, 6));
        expect(await store.audit.range(11, 100)).toEqual(entries.slice(10));
        expect(await store.audit.range(6, 5)).toEqual([]);
        expect(await store.audit.range(13, 20)).toEqual([]);
      });

      it('refuses an entry that does not continue the log: a gap, a repeat, a wrong start', async () => {
        await rejectsWith(store.audit.append(auditEntry(2)), 'ERR_STORE_CONFLICT');
        await store.audit.append(auditEntry(1));
        await rejectsWith(store.audit.append(auditEntry(1)), 'ERR_STORE_CONFLICT');
        await rejectsWith(store.audit.append(auditEntry(3)), 'ERR_STORE_CONFLICT');
        await store.audit.append(auditEntry(2));
        expect(await store.audit.count()).toBe(2);
        expect((await store.audit.range(1, 10)).map((e) => e.seq)).toEqual([1, 2]);
      });

      it('lets one of concurrent appends of the same seq in, and keeps the log gapless', async () => {
        await store.audit.append(auditEntry(1));
        const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.audit.append(auditEntry(2))));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(isKeylineError(r.reason, 'ERR_STORE_CONFLICT')).toBe(true);
        }
        // Writers that re-read the last entry and retry end up with a gapless log.
        const writer = async (name: string) => {
          for (let done = 0; done < 5;) {
            const last = await store.audit.last();
            try {
              await store.audit.append(auditEntry((last?.seq ?? 0) + 1, { actor: name, prevHash: last!.hash }));
              done += 1;
            } catch (error) {
              if (!isKeylineError(error, 'ERR_STORE_CONFLICT')) throw error;
            }
          }
        };
        await Promise.all(['w1', 'w2', 'w3'].map(writer));
        const log = await store.audit.range(1, 100);
        expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
        for (let i = 2; i < log.length; i++) expect(log[i]!.prevHash).toBe(log[i - 1]!.hash);
      });
    });

    describe('transactions', () => {
      it('commits every call of the callback together and returns its value', async () => {
        const a = await ca();
        const result = await store.transaction(async (tx) => {
          const r = await tx.certificates.reserve(newCert(a.id));
          await tx.certificates.markSigning(r.id, Buffer.from('t'), at(0), at(1), at(1));
          await tx.audit.append(auditEntry(1));
          return r.id;
        });
        expect((await store.certificates.get(result))?.status).toBe('signing');
        expect(await store.audit.count()).toBe(1);
      });

      it('rolls everything back when the callback throws, and passes the error on unchanged', async () => {
        const a = await ca();
        const boom = new Error('boom');
        let reservedId = '';
        await expect(
          store.transaction(async (tx) => {
            reservedId = (await tx.certificates.reserve(newCert(a.id))).id;
            await tx.audit.append(auditEntry(1));
            await tx.cas.setStatus(a.id, 'retired');
            await tx.crls.insert({
              caId: a.id,
              number: 1n,
              delta: false,
              baseNumber: null,
              thisUpdate: at(0),
              nextUpdate: at(1),
              der: Buffer.from([0x30, 0x00]),
            });
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await store.certificates.get(reservedId)).toBeUndefined();
        expect(await store.audit.count()).toBe(0);
        expect((await store.cas.get(a.id))?.status).toBe('active');
        expect(await store.crls.lastNumber(a.id)).toBe(0n);
      });

      it("rolls back when a store call fails, with that call's error", async () => {
        const a = await ca();
        const taken = await store.certificates.reserve(newCert(a.id));
        let firstId = '';
        await rejectsWith(
          store.transaction(async (tx) => {
            firstId = (await tx.certificates.reserve(newCert(a.id))).id;
            await tx.certificates.reserve(newCert(a.id, { serialHex: taken.serialHex }));
          }),
          'ERR_STORE_CONFLICT',
        );
        expect(await store.certificates.get(firstId)).toBeUndefined();
        expect(await store.certificates.count()).toBe(1);
      });

      it('stays usable after a unique-key conflict the callback handles (idempotent issuance)', async () => {
        const a = await ca();
        const original = await store.certificates.reserve(newCert(a.id, { requestId: 'req-9' }));
        const found = await store.transaction(async (tx) => {
          try {
            await tx.certificates.reserve(newCert(a.id, { requestId: 'req-9' }));
          } catch (error) {
            if (!isKeylineError(error, 'ERR_STORE_CONFLICT')) throw error;
          }
          await tx.audit.append(auditEntry(1));
          return tx.certificates.getByRequestId(a.id, 'req-9');
        });
        expect(found?.id).toBe(original.id);
        expect(await store.audit.count()).toBe(1);
      });

      it('nests: an inner transaction that throws rolls back alone', async () => {
        const a = await ca();
        const ids = await store.transaction(async (tx) => {
          const outer = await tx.certificates.reserve(newCert(a.id));
          let inner = '';
          await expect(
            tx.transaction(async (tx2) => {
              inner = (await tx2.certificates.reserve(newCert(a.id))).id;
              throw new Error('inner');
            }),
          ).rejects.toThrow('inner');
          const kept = await tx.transaction(async (tx2) => (await tx2.certificates.reserve(newCert(a.id))).id);
          return { outer: outer.id, inner, kept };
        });
        expect(await store.certificates.get(ids.outer)).toBeDefined();
        expect(await store.certificates.get(ids.inner)).toBeUndefined();
        expect(await store.certificates.get(ids.kept)).toBeDefined();
      });

      it('nests: sibling inner transactions started together run one after another', async () => {
        const a = await ca();
        const ids = await store.transaction(async (tx) => {
          const results = await Promise.allSettled(
            [false, true, false].map((fails) =>
              tx.transaction(async (tx2) => {
                const id = (await tx2.certificates.reserve(newCert(a.id))).id;
                await new Promise((r) => setTimeout(r, 5));
                if (fails) throw new Error(id);
                return id;
              }),
            ),
          );
          return results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message));
        });
        expect(ids).toHaveLength(3);
        expect(await store.certificates.get(ids[0]!)).toBeDefined();
        expect(await store.certificates.get(ids[1]!)).toBeUndefined();
        expect(await store.certificates.get(ids[2]!)).toBeDefined();
      });

      it('nests: an outer rollback takes committed inner work with it', async () => {
        const a = await ca();
        let innerId = '';
        await expect(
          store.transaction(async (tx) => {
            innerId = await tx.transaction(async (tx2) => (await tx2.certificates.reserve(newCert(a.id))).id);
            throw new Error('outer');
          }),
        ).rejects.toThrow('outer');
        expect(await store.certificates.get(innerId)).toBeUndefined();
      });

      it('runs calls on the original store inside the callback in the transaction', async () => {
        const a = await ca();
        let viaRoot = '';
        await expect(
          store.transaction(async (tx) => {
            viaRoot = (await store.certificates.reserve(newCert(a.id))).id;
            // Visible to the transaction...
            expect(await tx.certificates.get(viaRoot)).toBeDefined();
            await store.audit.append(auditEntry(1));
            throw new Error('undo');
          }),
        ).rejects.toThrow('undo');
        // ...and rolled back with it.
        expect(await store.certificates.get(viaRoot)).toBeUndefined();
        expect(await store.audit.count()).toBe(0);
      });

      it('refuses a transaction store used after its transaction ended', async () => {
        let leaked: Store | undefined;
        await store.transaction(async (tx) => {
          leaked = tx;
        });
        await expect(leaked!.cas.list()).rejects.toThrow(TypeError);
      });

      it('serialises concurrent transactions: each one sees and continues the log', async () => {
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (async () => {
              for (;;) {
                try {
                  return await store.transaction(async (tx) => {
                    const last = await tx.audit.last();
                    await tx.audit.append(auditEntry((last?.seq ?? 0) + 1, { actor: `t${i}` }));
                  });
                } catch (error) {
                  // PostgreSQL runs them concurrently: a lost race is a conflict to retry.
                  if (!isKeylineError(error, 'ERR_STORE_CONFLICT')) throw error;
                }
              }
            })(),
          ),
        );
        const log = await store.audit.range(1, 100);
        expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        expect(new Set(log.map((e) => e.actor)).size).toBe(10);
      });
    });

    describe('values', () => {
      it('refuses times it cannot store in order, and invalid dates, as programming errors', async () => {
        const a = await ca();
        await expect(
          store.certificates.reserve(newCert(a.id, { at: new Date('+010000-01-01T00:00:00Z') })),
        ).rejects.toThrow(TypeError);
        await expect(store.certificates.reserve(newCert(a.id, { at: new Date(Number.NaN) }))).rejects.toThrow(
          TypeError,
        );
        expect(await store.certificates.count()).toBe(0);
      });

      it('is closed by close(), after which calls are refused', async () => {
        const other = await factory();
        await other.close();
        await other.close();
        await expect(other.cas.list()).rejects.toThrow(TypeError);
      });
    });
  });
}
