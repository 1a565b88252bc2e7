import { execFileSync } from 'node:child_process';
import { KeylineError } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryResult, RecoveryScope } from '../../../src/ca/index.js';
import { SYSTEM_ACTOR, type Actor } from '../../../src/ca/service-port.js';
import { recoverAbandoned, SERVE_RECOVERY_MIN_AGE_MS } from '../../../src/cli/commands/recover.js';
import { openStore, resolveStoreLocation } from '../../../src/store/index.js';
import { manualClock } from '../../ca/support/clock.js';
import { json, workspace, type Run, type Workspace } from '../harness.js';

function ok(run: Run): Run {
  if (run.code !== 0) throw new Error(`exit ${run.code}:\n${run.out}\n${run.err}`);
  return run;
}

describe('keyline recover', () => {
  let ws: Workspace;
  let caId: string;
  let n = 0;

  beforeAll(async () => {
    ws = workspace('keyline-recover-');
    ok(await ws.run('init'));
    const root = json<{ id: string }>(ok(await ws.run('root', 'create', '--name', 'Recover Test Root', '--json')));
    caId = json<{ id: string }>(
      ok(
        await ws.run(
          ...['ca', 'create', '--parent', root.id, '--kind', 'manufacturer', '--manufacturer-id', 'acme'],
          ...['--name', 'Acme CA', '--label', 'acme', '--json'],
        ),
      ),
    ).id;
  });
  afterAll(() => ws.cleanup());

  /**
   * What a `keyline issue` killed mid-cycle leaves in the data directory's store: a record with its
   * serial (and, once `signing`, its TBS) but no certificate, last updated now.
   */
  async function leftByCrash(status: 'reserved' | 'signing'): Promise<string> {
    n++;
    const serialHex = `7e57${n.toString(16).padStart(28, '0')}`;
    const store = await openStore(resolveStoreLocation({ data: ws.dataDir }));
    try {
      const at = new Date();
      const record = await store.certificates.reserve({
        id: `crt_crashed_${n}`,
        caId,
        serialHex,
        profile: 'device',
        subject: `CN=crashed-${n}`,
        requestId: `r-crashed-${n}`,
        at,
      });
      if (status === 'signing') {
        await store.certificates.markSigning(record.id, Buffer.from('tbs'), at, new Date(at.getTime() + 3600_000), at);
      }
    } finally {
      await store.close();
    }
    return serialHex;
  }

  async function statusOf(serialHex: string): Promise<string> {
    const [cert] = json<{ status: string }[]>(ok(await ws.run('cert', 'list', '--serial', serialHex, '--json')));
    return cert!.status;
  }

  it('--min-age 300 leaves a record just made; --min-age 0 fails it and lists it as revoked in the next CRL', async () => {
    const serialHex = await leftByCrash('signing');
    expect(await statusOf(serialHex)).toBe('signing');

    const young = ok(await ws.run('recover', '--min-age', '300', '--json'));
    expect(json(young)).toEqual({ completed: 0, failed: 0, revoked: 0 });
    expect(await statusOf(serialHex)).toBe('signing');

    const all = ok(await ws.run('recover', '--min-age', '0', '--json'));
    expect(json(all)).toEqual({ completed: 0, failed: 1, revoked: 1 });
    const failed = json<{ serial: string }[]>(
      ok(await ws.run('cert', 'list', '--ca', caId, '--status', 'failed', '--json')),
    );
    expect(failed.map((c) => c.serial)).toContain(serialHex);
    expect(json<unknown[]>(ok(await ws.run('cert', 'list', '--status', 'signing', '--json')))).toEqual([]);

    const crlFile = ws.path('acme.crl');
    ok(await ws.run('crl', '--ca', caId, '--out', crlFile));
    const text = execFileSync('openssl', ['crl', '-in', crlFile, '-inform', 'DER', '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(text.toLowerCase()).toContain(`serial number: ${serialHex}`);

    // Nothing is left for a second run.
    expect(json(ok(await ws.run('recover', '--min-age', '0', '--json')))).toEqual({
      completed: 0,
      failed: 0,
      revoked: 0,
    });
  });

  it('prints the counts for a human, with the CRL note only when serials were listed', async () => {
    await leftByCrash('reserved');
    const reserved = ok(await ws.run('recover', '--ca', 'acme', '--min-age', '0'));
    expect(reserved.out).toContain(`1 unfinished certificate record(s) of CA ${caId}`);
    expect(reserved.out).toMatch(/failed:\s+1/);
    expect(reserved.out).toMatch(/listed as revoked:\s+0/);
    expect(reserved.err).not.toContain('keyline crl');

    await leftByCrash('signing');
    const signing = ok(await ws.run('recover', '--min-age', '0'));
    expect(signing.out).toMatch(/listed as revoked:\s+1/);
    expect(signing.err).toContain('keyline crl --ca <ca-id> --out <file>');

    const none = ok(await ws.run('recover'));
    expect(none.out).toMatch(/failed:\s+0/);
    expect(none.out).toContain('untouched for 300 s or more');
    expect(none.err).toContain('--min-age 0');
  });

  it('refuses a bad --min-age as bad usage (exit 2) and an unknown CA (exit 1)', async () => {
    for (const value of ['ten', '-1', '1.5', '31536001']) {
      const run = await ws.run('recover', '--min-age', value, '--json');
      expect(run.code, value).toBe(2);
      expect(json(run)).toMatchObject({ ok: false, code: 'ERR_CLI_BAD_OPTION' });
    }
    const unknown = await ws.run('recover', '--ca', 'nowhere', '--json');
    expect(unknown.code).toBe(1);
    expect(json(unknown)).toMatchObject({ ok: false, code: 'ERR_CA_NOT_FOUND' });
  });
});

describe('recoverAbandoned (the start-up step of keyline serve)', () => {
  function fakeAuthority(answer: () => Promise<RecoveryResult>) {
    const calls: { actor: Actor; scope: RecoveryScope | undefined }[] = [];
    return {
      calls,
      recover(actor: Actor, scope?: RecoveryScope) {
        calls.push({ actor, scope });
        return answer();
      },
    };
  }

  function recordingLogger() {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const at =
      (level: string) =>
      (fields: Record<string, unknown>, message: string): void =>
        void lines.push({ level, fields, message });
    return { lines, logger: { info: at('info'), warn: at('warn') } as never };
  }

  it('recovers as the system, only records untouched for 10 minutes, and logs counts when any', async () => {
    const clock = manualClock('2026-03-01T12:00:00Z');
    const ca = fakeAuthority(() => Promise.resolve({ completed: 0, failed: 3, revoked: 2 }));
    const { lines, logger } = recordingLogger();
    expect(await recoverAbandoned(ca, clock, logger)).toEqual({ completed: 0, failed: 3, revoked: 2 });
    expect(SERVE_RECOVERY_MIN_AGE_MS).toBe(600_000);
    expect(ca.calls).toEqual([{ actor: SYSTEM_ACTOR, scope: { unfinishedBefore: new Date('2026-03-01T11:50:00Z') } }]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', fields: { failed: 3, revoked: 2 } });
  });

  it('logs nothing when nothing was abandoned', async () => {
    const ca = fakeAuthority(() => Promise.resolve({ completed: 0, failed: 0, revoked: 0 }));
    const { lines, logger } = recordingLogger();
    await recoverAbandoned(ca, manualClock(), logger);
    expect(ca.calls).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('a refusal (no passphrase for an audit checkpoint, a store error) is a warning: the server still starts', async () => {
    const ca = fakeAuthority(() => Promise.reject(new KeylineError('ERR_KEY_NO_PASSPHRASE', 'no passphrase')));
    const { lines, logger } = recordingLogger();
    expect(await recoverAbandoned(ca, manualClock(), logger)).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { err: { code: 'ERR_KEY_NO_PASSPHRASE' } } });
  });

  it('a bug is not hidden', async () => {
    const ca = fakeAuthority(() => Promise.reject(new TypeError('broken')));
    await expect(recoverAbandoned(ca, manualClock(), recordingLogger().logger)).rejects.toThrow(TypeError);
  });
});
