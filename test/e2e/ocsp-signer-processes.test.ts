import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { install, type Installation } from './support/server-process.js';

/**
 * Several processes make one CA's OCSP signer at the same moment over one SQLite file (what the
 * workers of `keyline serve --ocsp-workers` can meet at renewal time): the built package, file keys
 * in the shared data directory. A barrier of files inside key generation makes every process read
 * the CA before any records a signer, so all but one lose the compare-and-set for certain.
 */
const KEYLINE = resolve(import.meta.dirname, '../../packages/keyline');
const PROCESSES = 3;

/** One racer: waits at the barrier in `generate`, then prints the signer it got as JSON. */
const RACER = `
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, systemRandom } from '@keyline/core';
import { AuthorityContext } from './dist/ca/context.js';
import { ensureOcspSigner } from './dist/ca/ocsp-signer.js';
import { SYSTEM_ACTOR } from './dist/ca/service-port.js';
import { createKeyProvider, passphraseFromOptions } from './dist/keys/index.js';
import { openStore } from './dist/store/index.js';

const [dataDir, barrier, parties, caId, me] = process.argv.slice(1);
const store = await openStore({ dataDir });
const keys = createKeyProvider({ dataDir, passphrase: passphraseFromOptions({ env: process.env, prompt: false }), random: systemRandom });
const racing = {
  open: (uri) => keys.open(uri),
  destroy: (uri) => keys.destroy(uri),
  async generate(request) {
    writeFileSync(join(barrier, me), '');
    const deadline = Date.now() + 20000;
    while (readdirSync(barrier).length < Number(parties)) {
      if (Date.now() > deadline) throw new Error('barrier timeout');
      await new Promise((r) => setTimeout(r, 5));
    }
    return keys.generate(request);
  },
};
const ctx = new AuthorityContext({ store, keys: racing, clock: systemClock, random: systemRandom });
const signer = await ensureOcspSigner(ctx, caId, SYSTEM_ACTOR);
process.stdout.write(JSON.stringify({ serial: signer.certificate.serialHex }));
await keys.close();
await store.close();
`;

function race(inst: Installation, barrier: string, caId: string, me: string): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', RACER, inst.dataDir, barrier, String(PROCESSES), caId, me],
      { cwd: KEYLINE, env: inst.env },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.once('exit', (code) =>
      code === 0 ? resolveRun(out) : reject(new Error(`racer ${me} exited with ${code}:\n${out}\n${err}`)),
    );
  });
}

interface Row {
  readonly ca_id: string;
  readonly serial_hex: string;
  readonly profile: string;
  readonly status: string;
  readonly revocation_reason: string | null;
}

let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
beforeAll(() => {
  inst = install('keyline-e2e-ocsp-race-');
});
afterAll(() => inst?.remove());

describe('OCSP signers made by several processes at once (SQLite)', () => {
  it('leaves one on the CA, given to every process; the others are revoked as superseded and audited', async () => {
    const barrier = join(inst.dir, 'barrier');
    mkdirSync(barrier);
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, (_, k) => race(inst, barrier, inst.line1Id, `p${k}`)),
    );
    const serials = outputs.map((o) => (JSON.parse(o) as { serial: string }).serial);
    expect(new Set(serials).size).toBe(1);

    const snapshot = await inst.snapshot();
    const rows = (snapshot['certificates'] as Row[]).filter(
      (r) => r.profile === 'ocsp-signer' && r.ca_id === inst.line1Id,
    );
    expect(rows).toHaveLength(PROCESSES);
    expect(rows.filter((r) => r.status === 'valid').map((r) => r.serial_hex)).toEqual([serials[0]]);
    const losers = rows.filter((r) => r.status !== 'valid');
    expect(losers.map((r) => [r.status, r.revocation_reason])).toEqual(
      Array.from({ length: PROCESSES - 1 }, () => ['revoked', 'superseded']),
    );
    const audit = snapshot['audit_log'] as { action: string; target: string; details: string }[];
    const revoked = audit.filter((e) => e.action === 'cert.revoke').map((e) => e.target);
    for (const loser of losers) expect(revoked).toContain(`${inst.line1Id}:${loser.serial_hex}`);

    // The losers' key files are gone (each destruction audited); the winner's is on record and on disk.
    const destroyed = audit
      .filter((e) => e.action === 'key.destroy')
      .map((e) => (JSON.parse(e.details) as { keyUri: string }).keyUri);
    expect(destroyed).toHaveLength(PROCESSES - 1);
    const keyFiles = readdirSync(join(inst.dataDir, 'keys'));
    for (const keyUri of destroyed) expect(keyFiles).not.toContain(keyUri.replace(/^file:keys\//, ''));
    const winner = (snapshot['cas'] as { id: string; ocsp_signer_key_uri: string }[]).find(
      (c) => c.id === inst.line1Id,
    )!;
    expect(keyFiles).toContain(winner.ocsp_signer_key_uri.replace(/^file:keys\//, ''));

    // And the log still verifies: the racers' entries chain in commit order.
    expect(inst.keyline<{ ok: boolean }>('audit', 'verify')).toMatchObject({ ok: true });
  }, 60_000);
});
