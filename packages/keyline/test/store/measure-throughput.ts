/**
 * How many issuance cycles per second the store records: reserve → markSigning → markValid
 * (the three writes of DESIGN.md's issuance cycle, without the signing itself).
 *
 *   npx tsx packages/keyline/test/store/measure-throughput.ts [count] [postgres-url]
 *
 * Shapes: each call its own transaction; the CA core's shape (reserve + markSigning in one
 * transaction, markValid in a second, plus an audit entry in each); and that shape in batches of
 * 50 certificates per transaction pair, once with the single-row methods and once with the bulk
 * forms (reserveMany, markSigningMany, markValidMany). SQLite with synchronous NORMAL and FULL (docs/storage.md).
 * As a baseline measured in the same run, the same three statements through better-sqlite3
 * directly (prepared, batches of 50, no audit entry) on the same schema: the store's cost over
 * SQLite's own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry, Store } from '../../src/ca/store-port.js';
import { initStore, type StoreSettings } from '../../src/store/index.js';

const count = Number(process.argv[2] ?? 20000);
const pgUrl = process.argv[3];
const tbs = randomBytes(420);
const der = randomBytes(500);
const t0 = new Date('2025-01-01T00:00:00Z');
const notAfter = new Date('9999-12-31T23:59:59Z');

async function prepareCa(store: Store): Promise<string> {
  const id = `ca_${randomBytes(4).toString('hex')}`;
  await store.cas.insert({
    id,
    label: id,
    kind: 'issuing',
    parentId: null,
    subject: `CN=${id}`,
    manufacturerId: null,
    productId: null,
    keyUri: 'file:x',
    certificateDer: der,
    csrDer: null,
    status: 'active',
    fingerprint: 'f',
    ocspSignerDer: null,
    ocspSignerKeyUri: null,
    createdAt: t0,
  });
  return id;
}

let auditSeq = 0;
async function appendAudit(store: Store): Promise<void> {
  const last = await store.audit.last();
  auditSeq = (last?.seq ?? 0) + 1;
  const entry: AuditEntry = {
    seq: auditSeq,
    at: t0,
    actor: 'bench',
    action: 'cert.issue',
    target: 'x',
    details: { n: auditSeq },
    prevHash: last?.hash ?? '0'.repeat(64),
    hash: randomBytes(32).toString('hex'),
  };
  await store.audit.append(entry);
}

function newCert(caId: string, i: number) {
  return {
    id: `crt_${i}_${randomBytes(4).toString('hex')}`,
    caId,
    serialHex: randomBytes(16).toString('hex'),
    profile: 'device' as const,
    subject: 'CN=device',
    deviceId: randomBytes(8).toString('hex'),
    at: t0,
  };
}

async function perCall(store: Store, caId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await store.certificates.reserve(newCert(caId, i));
    await store.certificates.markSigning(r.id, tbs, t0, notAfter, t0);
    await store.certificates.markValid(r.id, der, 'f', t0);
  }
}

/** The CA core's shape with the port's bulk forms (reserveMany, markSigningMany, markValidMany). */
async function bulkShape(store: Store, caId: string, n: number, batch: number): Promise<void> {
  for (let i = 0; i < n; i += batch) {
    const ids = await store.transaction(async (tx) => {
      const rows = [];
      for (let j = i; j < Math.min(n, i + batch); j++) rows.push(newCert(caId, j));
      await tx.certificates.reserveMany!(rows);
      await tx.certificates.markSigningMany!(
        rows.map((r) => ({ id: r.id, tbsDer: tbs, notBefore: t0, notAfter })),
        t0,
      );
      await appendAudit(tx);
      return rows.map((r) => r.id);
    });
    await store.transaction(async (tx) => {
      await tx.certificates.markValidMany!(
        ids.map((id) => ({ id, der, fingerprint: 'f' })),
        t0,
      );
      await appendAudit(tx);
    });
  }
}

async function caShape(store: Store, caId: string, n: number, batch: number): Promise<void> {
  for (let i = 0; i < n; i += batch) {
    const ids = await store.transaction(async (tx) => {
      const out: string[] = [];
      for (let j = i; j < Math.min(n, i + batch); j++) {
        const r = await tx.certificates.reserve(newCert(caId, j));
        await tx.certificates.markSigning(r.id, tbs, t0, notAfter, t0);
        out.push(r.id);
      }
      await appendAudit(tx);
      return out;
    });
    await store.transaction(async (tx) => {
      for (const id of ids) await tx.certificates.markValid(id, der, 'f', t0);
      await appendAudit(tx);
    });
  }
}

/**
 * Wall-clock time, and this process's CPU time: on a shared machine the second is the steadier
 * figure for CPU-bound work (NORMAL), while fsync waits (FULL) show only in the first.
 */
function clocks(): { wall: number; cpu: number } {
  const cpu = process.cpuUsage();
  return { wall: performance.now(), cpu: (cpu.user + cpu.system) / 1000 };
}

function report(label: string, shape: string, n: number, started: { wall: number; cpu: number }): void {
  const now = clocks();
  const perWall = Math.round(n / ((now.wall - started.wall) / 1000));
  const perCpu = Math.round(n / ((now.cpu - started.cpu) / 1000));
  console.log(
    `${label.padEnd(14)} ${shape.padEnd(34)} ${perWall.toString().padStart(7)} cycles/s wall ${perCpu.toString().padStart(7)} cycles/CPU-s`,
  );
}

async function measure(label: string, open: () => Promise<Store>, n: number): Promise<void> {
  const shapes: [string, (s: Store, ca: string, n: number) => Promise<void>][] = [
    ['one transaction per call', perCall],
    ['CA shape, 1 per transaction pair', (s, c, k) => caShape(s, c, k, 1)],
    ['CA shape, 50 per transaction pair', (s, c, k) => caShape(s, c, k, 50)],
    ['CA shape, 50 per pair, bulk forms', (s, c, k) => bulkShape(s, c, k, 50)],
  ];
  for (const [shape, run] of shapes) {
    const store = await open();
    try {
      const caId = await prepareCa(store);
      await run(store, caId, Math.min(n, 500)); // warm-up: JIT, statement cache, file growth
      const started = clocks();
      await run(store, caId, n);
      report(label, shape, n, started);
    } finally {
      await store.close();
    }
  }
}

/** The same writes straight through better-sqlite3, on a database initStore made. */
async function rawBaseline(dir: string, n: number): Promise<void> {
  const store = await initStore({ dataDir: dir }, { env: {} });
  const caId = await prepareCa(store);
  await store.close();
  const db = new Database(join(dir, 'keyline.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const reserve = db.prepare(
    "insert into certificates (id, ca_id, serial_hex, profile, status, subject, device_id, chip_serial, request_id, created_at, updated_at) values (?, ?, ?, 'device', 'reserved', 'CN=device', ?, null, null, ?, ?) on conflict do nothing",
  );
  const signing = db.prepare(
    "update certificates set status = 'signing', tbs_der = ?, not_before = ?, not_after = ?, updated_at = ? where id = ? and status = 'reserved' returning *",
  );
  const valid = db.prepare(
    "update certificates set status = 'valid', der = ?, fingerprint = ?, updated_at = ? where id = ? and status = 'signing' returning *",
  );
  const ts = t0.toISOString();
  const run = (count: number) => {
    for (let i = 0; i < count; i += 50) {
      const ids: string[] = [];
      db.exec('begin immediate');
      for (let j = i; j < Math.min(count, i + 50); j++) {
        const c = newCert(caId, j);
        reserve.run(c.id, caId, c.serialHex, c.deviceId, ts, ts);
        signing.get(tbs, ts, notAfter.toISOString(), ts, c.id);
        ids.push(c.id);
      }
      db.exec('commit');
      db.exec('begin immediate');
      for (const id of ids) valid.get(der, 'f', ts, id);
      db.exec('commit');
    }
  };
  run(500);
  const started = clocks();
  run(n);
  report('sqlite normal', 'raw better-sqlite3, 50 per pair', n, started);
  db.close();
}

const root = mkdtempSync(join(tmpdir(), 'keyline-store-bench-'));
try {
  let k = 0;
  await rawBaseline(join(root, 'raw'), count);
  for (const sync of ['normal', 'full'] as const) {
    const settings: StoreSettings = { env: {}, sqliteSynchronous: sync };
    // FULL fsyncs every commit: fewer cycles keep the run short.
    const n = sync === 'full' ? Math.max(200, Math.floor(count / 50)) : count;
    await measure(`sqlite ${sync}`, () => initStore({ dataDir: join(root, `d${++k}`) }, settings), n);
  }
  if (pgUrl !== undefined) {
    await measure('postgres', () => initStore({ dbUrl: pgUrl }, { env: {} }), Math.max(500, Math.floor(count / 10)));
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
