import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePem, generateSigner } from '@keyline/core';
import { appendAudit } from '../../src/audit/index.js';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { openStore } from '../../src/store/index.js';
import { steppingClock } from './fixtures.js';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function keyline(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => void (out += text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void (err += text.endsWith('\n') ? text : `${text}\n`),
    isTty: false,
  };
  const code = await main(['node', 'keyline', ...args], io);
  return { code, out, err };
}

describe('keyline audit verify', () => {
  const work = mkdtempSync(join(tmpdir(), 'keyline-audit-cli-'));
  const data = join(work, 'data');
  const passphrase = join(work, 'passphrase');

  beforeAll(async () => {
    writeFileSync(passphrase, 'correct horse battery staple\n');
    const init = await keyline('init', '--data', data, '--passphrase-file', passphrase);
    expect(init.code, init.err).toBe(0);
    // Ten more entries, as the CA would append them.
    const store = await openStore({ dataDir: data });
    try {
      const clock = steppingClock(Date.UTC(2030, 0, 1));
      for (let i = 0; i < 10; i++) {
        await appendAudit(store, { actor: 'cli', action: 'cert.issue', target: `ca_x:${i}`, details: { i } }, clock);
      }
    } finally {
      await store.close();
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('says an intact log is intact (exit 0), with the counts, checking signatures with the key in the data directory', async () => {
    const run = await keyline('audit', 'verify', '--data', data);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toMatch(/^OK: the audit log is intact: 12 entries, 1 checkpoint\n/);
    expect(run.out).toMatch(/signatures: +checked with sha256:[0-9a-f]{64} \(.*audit-key\.pub\.pem\)/);
    expect(run.out).toMatch(/last checkpoint: +entry 2 \(10 entries after it are not signed yet\)/);
    const json = await keyline('audit', 'verify', '--data', data, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      ok: true,
      entries: 12,
      checkpoints: 1,
      lastSeq: 12,
      lastCheckpointSeq: 2,
      signaturesChecked: true,
    });
  });

  it('refuses checkpoints signed by another key than the one given (exit 1)', async () => {
    const other = join(work, 'other.pub.pem');
    writeFileSync(other, encodePem('PUBLIC KEY', generateSigner('P-256').publicKeySpki));
    const run = await keyline('audit', 'verify', '--data', data, '--audit-key', other);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /^FAILED: entry 2 is a bad checkpoint: it is signed by key [0-9a-f]{16}…, not by the audit key given/,
    );
  });

  it('catches a truncated log against an anchor', async () => {
    const json = JSON.parse((await keyline('audit', 'verify', '--data', data, '--json')).out) as { lastHash: string };
    const ahead = await keyline('audit', 'verify', '--data', data, '--anchor', `13:${json.lastHash}`, '--json');
    expect(ahead.code).toBe(1);
    expect(JSON.parse(ahead.out)).toMatchObject({ ok: false, seq: 13, problem: 'removed' });
    expect((await keyline('audit', 'verify', '--data', data, '--anchor', `12:${json.lastHash}`)).code).toBe(0);
  });

  it.each([
    ['--anchor', '12'],
    ['--anchor', '0:' + 'a'.repeat(64)],
    ['--batch-size', '0'],
    ['--audit-key', '/nonexistent/audit.pem'],
  ])('refuses %s %s as bad usage (exit 2)', async (option, value) => {
    const run = await keyline('audit', 'verify', '--data', data, option, value, '--json');
    expect(run.code).toBe(2);
    expect(JSON.parse(run.out)).toMatchObject({ ok: false });
  });

  it('names the row an SQL UPDATE edited (exit 1)', async () => {
    const db = new BetterSqlite3(join(data, 'keyline.db'));
    try {
      db.prepare("UPDATE audit_log SET target = 'ca_x:edited' WHERE seq = 7").run();
    } finally {
      db.close();
    }
    const run = await keyline('audit', 'verify', '--data', data);
    expect(run.code).toBe(1);
    expect(run.out).toBe('FAILED: entry 7 was changed: its hash does not match its content\n');
    const json = await keyline('audit', 'verify', '--data', data, '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      ok: false,
      seq: 7,
      problem: 'changed',
      message: 'entry 7 was changed: its hash does not match its content',
      checked: 6,
    });
  });

  it('says what to do when there is no database (exit 1, run keyline init)', async () => {
    const run = await keyline('audit', 'verify', '--data', join(work, 'nothing-here'));
    expect(run.code).toBe(1);
    expect(run.err).toContain('keyline init');
  });
});
