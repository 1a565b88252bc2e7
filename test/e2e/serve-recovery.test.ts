import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, resolveStoreLocation } from '../../packages/keyline/src/store/index.js';
import { install, serve, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve` fails, before it listens, the certificate records a crashed process abandoned
 * (untouched for over 10 minutes), and leaves a record some other process may be signing right now.
 * Started without any passphrase: recovery signs nothing.
 */
describe('keyline serve: recovery at start-up', () => {
  let inst: Installation & { line1Id: string };
  let server: Served | undefined;
  const abandoned = '5e5e0000000000000000000000000001';
  const recent = '5e5e0000000000000000000000000002';

  beforeAll(async () => {
    inst = install('keyline-e2e-serve-recovery-');
    const store = await openStore(resolveStoreLocation({ data: inst.dataDir }));
    try {
      const now = Date.now();
      for (const [serialHex, at] of [
        [abandoned, new Date(now - 20 * 60_000)],
        [recent, new Date(now)],
      ] as const) {
        const record = await store.certificates.reserve({
          id: `crt_${serialHex}`,
          caId: inst.line1Id,
          serialHex,
          profile: 'device',
          subject: `CN=${serialHex}`,
          requestId: `r-${serialHex}`,
          at,
        });
        await store.certificates.markSigning(record.id, Buffer.from('tbs'), at, new Date(now + 3600_000), at);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop();
    inst?.remove();
  });

  it('fails the abandoned record (listed as revoked), logs it, and leaves the recent one', async () => {
    const env = { ...inst.env };
    delete env['KEYLINE_PASSPHRASE'];
    server = await serve({ ...inst, env }, '--log-level', 'info');
    // Stopped first: then all it wrote on stderr has been read.
    expect(await server.stop()).toBe(0);
    const logged = server
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; failed?: number; revoked?: number })
      .find((entry) => entry.msg?.startsWith('recovery:') === true);
    expect(logged, server.stderr()).toMatchObject({ failed: 1, revoked: 1 });

    const store = await openStore(resolveStoreLocation({ data: inst.dataDir }));
    try {
      expect((await store.certificates.getBySerial(inst.line1Id, abandoned))?.status).toBe('failed');
      expect((await store.certificates.getBySerial(inst.line1Id, recent))?.status).toBe('signing');
    } finally {
      await store.close();
    }
  });
});
