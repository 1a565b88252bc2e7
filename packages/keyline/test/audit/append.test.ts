import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePem, fixedClock, generateSigner } from '@keyline/core';
import {
  CHECKPOINT_ACTION,
  GENESIS_HASH,
  appendAudit,
  auditHash,
  auditHashInput,
  auditKeyId,
  checkpointMessage,
  isCheckpointDue,
  readCheckpointDetails,
  writeCheckpoint,
} from '../../src/audit/index.js';
import { buildLog, steppingClock } from './fixtures.js';
import { memoryStore } from './memory-audit-repository.js';

const work = mkdtempSync(join(tmpdir(), 'keyline-audit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('appendAudit', () => {
  it('starts the chain at seq 1 after 64 zeros and links each entry to the one before', async () => {
    const store = memoryStore();
    const clock = steppingClock();
    const first = await appendAudit(store, { actor: 'cli', action: 'ca.create', target: 'ca_1' }, clock);
    const second = await appendAudit(
      store,
      { actor: 'cli', action: 'cert.issue', target: 'ca_1:01', details: { n: 1 } },
      clock,
    );
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, details: {} });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, at: new Date(Date.UTC(2025, 0, 1, 0, 0, 1)) });
    expect(second.hash).toBe(auditHash(second));
    expect(await store.audit.count()).toBe(2);
    // What the store gives back hashes the same.
    const [read] = await store.audit.range(2, 2);
    expect(auditHash(read!)).toBe(second.hash);
  });

  it('hashes the documented canonical form (checked with Python json and hashlib)', async () => {
    const store = memoryStore();
    const entry = await appendAudit(
      store,
      {
        actor: 'token:tok_1',
        action: 'cert.revoke',
        target: 'ca_1:5f3a',
        details: {
          reason: 'keyCompromise',
          crlNumber: 12n,
          der: new Uint8Array([1, 2]),
          name: 'Zoë "€" \n',
          z: [true, null],
        },
      },
      fixedClock('2025-03-04T05:06:07.089Z'),
    );
    expect(auditHashInput(entry).toString('utf8')).toBe(
      '{"action":"cert.revoke","actor":"token:tok_1","at":"2025-03-04T05:06:07.089Z",' +
        '"details":{"crlNumber":"12","der":"0102","name":"Zoë \\"€\\" \\n","reason":"keyCompromise","z":[true,null]},' +
        `"prevHash":"${GENESIS_HASH}","seq":1,"target":"ca_1:5f3a"}`,
    );
    // An independent implementation: Python's json with sorted keys and no whitespace is RFC 8785
    // for these values (BMP-only keys, integers).
    const row = JSON.stringify({ ...entry, at: entry.at.toISOString() });
    const python = execFileSync(
      'python3',
      [
        '-c',
        'import sys, json, hashlib\n' +
          'e = json.loads(sys.stdin.read())\n' +
          'del e["hash"]\n' +
          'print(hashlib.sha256(json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest())',
      ],
      { input: row },
    )
      .toString()
      .trim();
    expect(python).toBe(entry.hash);
  });

  it('refuses malformed events with a TypeError and appends nothing', async () => {
    const store = memoryStore();
    const clock = steppingClock();
    await expect(appendAudit(store, { actor: '', action: 'a', target: 't' }, clock)).rejects.toThrow(TypeError);
    await expect(
      appendAudit(store, { actor: 'cli', action: CHECKPOINT_ACTION, target: 'audit' }, clock),
    ).rejects.toThrow(/writeCheckpoint/);
    await expect(
      appendAudit(store, { actor: 'cli', action: 'a', target: 't', details: { f: () => 1 } }, clock),
    ).rejects.toThrow(TypeError);
    await expect(
      appendAudit(store, { actor: 'cli', action: 'a', target: 't' }, fixedClock(Number.NaN)),
    ).rejects.toThrow(TypeError);
    expect(await store.audit.count()).toBe(0);
  });

  it('lets the store refuse a racing append (ERR_STORE_CONFLICT)', async () => {
    const store = memoryStore();
    const clock = steppingClock();
    // Two writers read the same last entry; the second append no longer continues the log.
    const realLast = store.audit.last.bind(store.audit);
    const stale = await realLast();
    await appendAudit(store, { actor: 'cli', action: 'a', target: 't' }, clock);
    store.audit.last = async () => stale;
    await expect(appendAudit(store, { actor: 'cli', action: 'b', target: 't' }, clock)).rejects.toMatchObject({
      code: 'ERR_STORE_CONFLICT',
    });
  });
});

describe('checkpoints', () => {
  it('are due when the next seq is a multiple of the interval, never right after a checkpoint', () => {
    const entry = { seq: 99, action: 'cert.issue' } as Parameters<typeof isCheckpointDue>[0];
    expect(isCheckpointDue(entry)).toBe(true);
    expect(isCheckpointDue({ ...entry, seq: 100 })).toBe(false);
    expect(isCheckpointDue({ ...entry, seq: 9 }, 10)).toBe(true);
    expect(isCheckpointDue({ ...entry, seq: 9, action: CHECKPOINT_ACTION }, 10)).toBe(false);
    expect(() => isCheckpointDue(entry, 1)).toThrow(TypeError);
  });

  it('are written by appendAudit at every interval', async () => {
    const store = memoryStore();
    const signer = generateSigner('P-256');
    await buildLog(store, 20, { signer, every: 5 });
    const rows = await store.audit.range(1, 100);
    expect(rows.filter((r) => r.action === CHECKPOINT_ACTION).map((r) => r.seq)).toEqual([5, 10, 15, 20, 25]);
    expect(rows).toHaveLength(25);
  });

  it('carry a signature over the covered seq and hash that OpenSSL verifies', async () => {
    const store = memoryStore();
    const signer = generateSigner('P-256');
    const entries = await buildLog(store, 3);
    const at = new Date(Date.UTC(2025, 5, 1, 12));
    const cp = await writeCheckpoint(store, signer, fixedClock(at), { actor: 'cli' });
    expect(cp).toMatchObject({
      seq: 4,
      actor: 'cli',
      action: CHECKPOINT_ACTION,
      target: 'audit',
      prevHash: entries[2]!.hash,
    });
    const read = readCheckpointDetails(cp.details);
    if (!read.ok) throw new Error(read.reason);
    expect(read.details).toMatchObject({
      seq: 3,
      hash: entries[2]!.hash,
      algorithm: 'ecdsa-sha256',
      keyId: auditKeyId(signer.publicKeySpki),
    });
    const message = checkpointMessage({ seq: 3, hash: entries[2]!.hash }, at);
    expect(message.toString()).toBe(
      `{"at":"2025-06-01T12:00:00.000Z","hash":"${entries[2]!.hash}","purpose":"keyline-audit-checkpoint/1","seq":3}`,
    );
    writeFileSync(join(work, 'message'), message);
    writeFileSync(join(work, 'signature.der'), Buffer.from(read.details.signature, 'base64'));
    writeFileSync(join(work, 'audit.pub.pem'), encodePem('PUBLIC KEY', signer.publicKeySpki));
    const out = execFileSync('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      join(work, 'audit.pub.pem'),
      '-signature',
      join(work, 'signature.der'),
      join(work, 'message'),
    ]).toString();
    expect(out.trim()).toBe('Verified OK');
    // The key id is the SHA-256 of the DER SubjectPublicKeyInfo, as openssl computes it.
    const spkiDer = execFileSync('openssl', ['pkey', '-pubin', '-in', join(work, 'audit.pub.pem'), '-outform', 'DER']);
    const keyId = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: spkiDer }).toString().split(' ')[0];
    expect(keyId).toBe(read.details.keyId);
  });
});
