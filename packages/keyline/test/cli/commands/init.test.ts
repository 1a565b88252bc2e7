import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePem, parsePublicKeyInfo } from '@keyline/core';
import { initStore, openStore } from '../../../src/store/index.js';
import { verifyAudit } from '../../../src/audit/index.js';
import { AUDIT_PUBLIC_KEY_FILE } from '../../../src/audit/deployment-key.js';
import { json, keyline, workspace, type Workspace } from '../harness.js';

interface InitJson {
  dataDir: string;
  db: string;
  adminToken: string;
  adminTokenId: string;
  auditKeyUri: string;
  auditPublicKey: string;
}

describe('keyline init', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = workspace('keyline-init-');
  });
  afterEach(() => ws.cleanup());

  it('creates the data directory and the database and prints { dataDir, db, adminToken } with --json', async () => {
    const run = await ws.run('init', '--json');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const answer = json<InitJson>(run);
    expect(answer.dataDir).toBe(ws.dataDir);
    expect(answer.db).toBe(`sqlite:${join(ws.dataDir, 'keyline.db')}`);
    expect(answer.adminToken).toMatch(/^kl_[A-Za-z0-9_-]{43}$/);
    expect(existsSync(join(ws.dataDir, 'keyline.db'))).toBe(true);
    // The data directory holds keys: owner only.
    expect(statSync(ws.dataDir).mode & 0o077).toBe(0);
  });

  it('stores only the SHA-256 of the admin token, as an admin ApiTokenRecord', async () => {
    const answer = json<InitJson>(await ws.run('init', '--json'));
    const store = await openStore({ data: ws.dataDir });
    try {
      const tokens = await store.tokens.list();
      expect(tokens).toHaveLength(1);
      const [token] = tokens;
      expect(token).toMatchObject({ id: answer.adminTokenId, role: 'admin', manufacturerId: null, revokedAt: null });
      expect(token!.tokenHash).toBe(createHash('sha256').update(answer.adminToken, 'utf8').digest('hex'));
      expect(await store.tokens.getByHash(token!.tokenHash)).toBeDefined();
    } finally {
      await store.close();
    }
    // The secret itself is nowhere in the database file.
    expect(readFileSync(join(ws.dataDir, 'keyline.db')).includes(Buffer.from(answer.adminToken))).toBe(false);
  });

  it('makes the audit key (encrypted, in the data directory) and starts the log with a signed checkpoint', async () => {
    const answer = json<InitJson>(await ws.run('init', '--json'));
    expect(answer.auditKeyUri).toBe('file:keys/audit.pem');
    const keyFile = readFileSync(join(ws.dataDir, 'keys', 'audit.pem'), 'utf8');
    expect(keyFile).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect(statSync(join(ws.dataDir, 'keys', 'audit.pem')).mode & 0o077).toBe(0);
    expect(answer.auditPublicKey).toBe(join(ws.dataDir, AUDIT_PUBLIC_KEY_FILE));
    const [spki] = decodePem(readFileSync(answer.auditPublicKey, 'utf8'), 'PUBLIC KEY');
    expect(parsePublicKeyInfo(spki!).curve).toBe('P-256');

    const store = await openStore({ data: ws.dataDir });
    try {
      const entries = await store.audit.range(1, 10);
      expect(entries.map((e) => [e.actor, e.action])).toEqual([
        ['cli', 'keyline.init'],
        ['cli', 'audit.checkpoint'],
      ]);
      expect(entries[0]!.details).toMatchObject({
        adminTokenId: answer.adminTokenId,
        auditKeyUri: 'file:keys/audit.pem',
      });
      // No secret in the log.
      expect(JSON.stringify(entries)).not.toContain(answer.adminToken);
      const verified = await verifyAudit(store, { auditPublicKeySpki: spki! });
      expect(verified).toMatchObject({ ok: true, entries: 2, checkpoints: 1, signaturesChecked: true });
    } finally {
      await store.close();
    }
  });

  it('prints the token once in text mode, with what to do next', async () => {
    const run = await ws.run('init');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Admin API token \(shown only now.*\n {2}kl_[A-Za-z0-9_-]{43}\n/);
    expect(run.err).toContain('Next: keyline root create');
  });

  it('refuses a second init (exit 1) and changes nothing', async () => {
    const first = json<InitJson>(await ws.run('init', '--json'));
    const keyBefore = readFileSync(join(ws.dataDir, 'keys', 'audit.pem'));
    const pubBefore = readFileSync(join(ws.dataDir, AUDIT_PUBLIC_KEY_FILE));

    const again = await ws.run('init', '--json');
    expect(again.code).toBe(1);
    expect(json(again)).toMatchObject({ ok: false, code: 'ERR_CLI_ALREADY_INITIALISED' });
    expect(json<{ message: string }>(again).message).toMatch(/give another --data or --db/);
    const text = await ws.run('init');
    expect(text.code).toBe(1);
    expect(text.out).not.toContain('kl_');
    expect(text.err).toContain('ERR_CLI_ALREADY_INITIALISED');

    expect(readFileSync(join(ws.dataDir, 'keys', 'audit.pem')).equals(keyBefore)).toBe(true);
    expect(readFileSync(join(ws.dataDir, AUDIT_PUBLIC_KEY_FILE)).equals(pubBefore)).toBe(true);
    const store = await openStore({ data: ws.dataDir });
    try {
      const tokens = await store.tokens.list();
      expect(tokens.map((t) => t.id)).toEqual([first.adminTokenId]);
      expect(await store.audit.count()).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('initialises a database that exists but is empty', async () => {
    const empty = await initStore({ data: ws.dataDir });
    await empty.close();
    const run = await ws.run('init', '--json');
    expect(run.code).toBe(0);
    expect(json<InitJson>(run).adminToken).toMatch(/^kl_/);
  });

  it('reuses an audit key left by an init that stopped before writing the database', async () => {
    await ws.run('init', '--json');
    const pub = readFileSync(join(ws.dataDir, AUDIT_PUBLIC_KEY_FILE), 'utf8');
    // A new, empty database next to the same data directory (its keys folder).
    const run = await ws.run('--db', ws.path('second.db'), 'init', '--json');
    expect(run.code).toBe(0);
    expect(readFileSync(join(ws.dataDir, AUDIT_PUBLIC_KEY_FILE), 'utf8')).toBe(pub);
    expect(existsSync(join(ws.dataDir, 'keys', 'audit-2.pem'))).toBe(false);
  });

  it('takes the passphrase from KEYLINE_PASSPHRASE, and without one refuses with exit 2, writing no key', async () => {
    const saved = process.env.KEYLINE_PASSPHRASE;
    try {
      delete process.env.KEYLINE_PASSPHRASE;
      const none = await keyline('--data', ws.dataDir, '--json', 'init');
      expect(none.code).toBe(2);
      expect(json(none)).toMatchObject({ ok: false, code: 'ERR_KEY_NO_PASSPHRASE' });
      expect(existsSync(join(ws.dataDir, 'keys', 'audit.pem'))).toBe(false);

      process.env.KEYLINE_PASSPHRASE = 'from the environment';
      const withEnv = await keyline('--data', ws.dataDir, '--json', 'init');
      expect(withEnv.code).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.KEYLINE_PASSPHRASE;
      else process.env.KEYLINE_PASSPHRASE = saved;
    }
  });

  it('reads --data from KEYLINE_DATA', async () => {
    const saved = process.env.KEYLINE_DATA;
    try {
      process.env.KEYLINE_DATA = ws.dataDir;
      const run = await keyline('--passphrase-file', ws.passphraseFile, 'init', '--json');
      expect(run.code).toBe(0);
      expect(json<InitJson>(run).dataDir).toBe(ws.dataDir);
    } finally {
      if (saved === undefined) delete process.env.KEYLINE_DATA;
      else process.env.KEYLINE_DATA = saved;
    }
  });
});
