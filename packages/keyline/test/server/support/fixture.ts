import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  Certificate,
  KEYLINE_ATTRIBUTE,
  OID,
  Tag,
  buildCsr,
  encodeName,
  generateSigner,
  systemRandom,
  type Clock,
  type NameAttributeInput,
  type Signer,
} from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createCertificateAuthority, type CertificateAuthority } from '../../../src/ca/index.js';
import type { ApiTokenRecord, CaRecord, TokenRole } from '../../../src/ca/records.js';
import { CLI_ACTOR, type CaCurve, type KeyProvider } from '../../../src/ca/service-port.js';
import type { Store } from '../../../src/ca/store-port.js';
import { createMetrics, createServer, hashTokenSecret, type ServerOptions } from '../../../src/server/index.js';
import { initStore } from '../../../src/store/index.js';

/** In-memory software keys (tests only): the server never sees key material anyway. */
export function memoryKeys(): KeyProvider {
  const keys = new Map<string, Signer>();
  return {
    async generate(request: { readonly keyUri?: string; readonly curve: CaCurve; readonly label: string }) {
      const keyUri = request.keyUri ?? `memory:${request.label}`;
      const signer = generateSigner(request.curve);
      keys.set(keyUri, signer);
      return { keyUri, signer };
    },
    async open(keyUri: string) {
      const signer = keys.get(keyUri);
      if (signer === undefined) throw new Error(`no key ${keyUri}`);
      return signer;
    },
  };
}

/** A clock tests move by hand; it starts at the real time, since OpenSSL judges validity by it. */
export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(start = new Date()): TestClock {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

/** Token secrets of the fixture, by who holds them. */
export interface Tokens {
  readonly admin: string;
  readonly operator: string;
  readonly otherOperator: string;
  readonly auditor: string;
  readonly revoked: string;
}

export interface ServerFixture {
  readonly app: FastifyInstance;
  readonly ca: CertificateAuthority;
  readonly store: Store;
  readonly clock: TestClock;
  readonly dir: string;
  readonly dbFile: string;
  readonly root: CaRecord;
  /** Manufacturer CA of `acme`. */
  readonly acme: CaRecord;
  /** Issuing CA of `acme`, product `sensor-1`, label `line1` (the single active issuing CA). */
  readonly line1: CaRecord;
  /** Manufacturer CA of `globex` (another manufacturer). */
  readonly globex: CaRecord;
  readonly tokens: Tokens;
  readonly logs: string[];
  readonly metrics: ReturnType<typeof createMetrics>;
  /** Every row of every table, for before/after comparisons. */
  snapshot(): Record<string, unknown[]>;
  close(): Promise<void>;
}

let counter = 0;

async function insertToken(store: Store, role: TokenRole, manufacturerId: string | null, now: Date): Promise<string> {
  const secret = `kl_test-${role}-${++counter}-${Buffer.from(systemRandom.bytes(12)).toString('base64url')}`;
  const record: ApiTokenRecord = {
    id: `tok_test${counter}`,
    name: `${role} ${counter}`,
    role,
    manufacturerId,
    tokenHash: hashTokenSecret(secret),
    createdAt: now,
    revokedAt: null,
  };
  await store.tokens.insert(record);
  return secret;
}

/**
 * A server over a fresh SQLite store with a hierarchy (root → acme → line1; root → globex), two
 * manufacturers, and tokens of every role. Logs are kept in `logs` (JSON lines).
 */
export async function serverFixture(overrides: Partial<ServerOptions> = {}): Promise<ServerFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'keyline-server-'));
  const store = await initStore({ dataDir: dir });
  const clock = testClock();
  const ca = createCertificateAuthority({ store, keys: memoryKeys(), clock, random: systemRandom });
  const now = clock.now();
  await store.manufacturers.insert({ id: 'acme', name: 'Acme Devices', createdAt: now });
  await store.manufacturers.insert({ id: 'globex', name: 'Globex', createdAt: now });
  const root = await ca.createRoot(
    { name: 'Server Test Root', organization: 'Keyline Test', label: 'root' },
    CLI_ACTOR,
  );
  const acme = await ca.createCa(
    { parentId: root.id, name: 'Acme CA', kind: 'manufacturer', manufacturerId: 'acme', label: 'acme' },
    CLI_ACTOR,
  );
  const line1 = await ca.createCa(
    {
      parentId: acme.id,
      name: 'Acme Line 1',
      kind: 'issuing',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      label: 'line1',
    },
    CLI_ACTOR,
  );
  const globex = await ca.createCa(
    { parentId: root.id, name: 'Globex CA', kind: 'manufacturer', manufacturerId: 'globex', label: 'globex' },
    CLI_ACTOR,
  );
  const tokens: Tokens = {
    admin: await insertToken(store, 'admin', null, now),
    operator: await insertToken(store, 'operator', 'acme', now),
    otherOperator: await insertToken(store, 'operator', 'globex', now),
    auditor: await insertToken(store, 'auditor', null, now),
    revoked: await insertToken(store, 'admin', null, now),
  };
  const revokedId = (await store.tokens.list()).find((t) => t.tokenHash === hashTokenSecret(tokens.revoked))!.id;
  await store.tokens.revoke(revokedId, now);

  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const metrics = createMetrics();
  const app = createServer({ store, ca, clock, logger, metrics, ...overrides });
  await app.ready();
  const dbFile = join(dir, 'keyline.db');
  return {
    app,
    ca,
    store,
    clock,
    dir,
    dbFile,
    root,
    acme,
    line1,
    globex,
    tokens,
    logs,
    metrics,
    snapshot: () => snapshotSqlite(dbFile),
    close: async () => {
      await app.close();
      ca.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of every table of a SQLite file, read through a separate read-only connection. */
export function snapshotSqlite(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[];
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables)
      out[name] = db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY rowid`).all();
    return out;
  } finally {
    db.close();
  }
}

export const ATTR = {
  manufacturer: (value: string): NameAttributeInput => ({
    type: KEYLINE_ATTRIBUTE.manufacturerId,
    value,
    tag: Tag.UTF8_STRING,
  }),
  product: (value: string): NameAttributeInput => ({ type: KEYLINE_ATTRIBUTE.productId, value, tag: Tag.UTF8_STRING }),
  cn: (value: string): NameAttributeInput => ({ type: OID.commonName, value }),
};

/**
 * A CSR (DER) for a device with chip serial `chipHex` (KECP 6.1: CN = chip serial in hex), with
 * `extra` attributes first (a product id, for a CA that carries none).
 */
export function deviceCsr(
  chipHex = '0123456789abcdef',
  signer: Signer = generateSigner('P-256'),
  extra: readonly NameAttributeInput[] = [],
): Promise<Uint8Array> {
  return buildCsr({ subject: encodeName([...extra.map((a) => [a]), [ATTR.cn(chipHex)]]), signer });
}

/** A fresh random chip serial (8 octets, hex). */
export function chip(): string {
  return Buffer.from(systemRandom.bytes(8)).toString('hex');
}

/**
 * What the OCSP tests ask about: the issuing CA `line1`, a device certificate it issued that is
 * good, and one it issued and revoked (keyCompromise).
 */
export async function ocspSubjects(
  f: ServerFixture,
): Promise<{ readonly issuer: Certificate; readonly good: Certificate; readonly revoked: Certificate }> {
  const issue = async (): Promise<Certificate> =>
    Certificate.fromDer(
      (await f.ca.issue({ caId: f.line1.id, csrDer: await deviceCsr(chip()), profile: 'device' }, CLI_ACTOR)).record
        .der!,
    );
  const good = await issue();
  const revoked = await issue();
  await f.ca.revoke({ caId: f.line1.id, serialHex: revoked.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
  return { issuer: Certificate.fromDer(f.line1.certificateDer!), good, revoked };
}

export const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
