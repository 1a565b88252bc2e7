import { afterAll, describe, expect, it } from 'vitest';
import {
  PRODUCT_ID,
  prepareKillDeployment,
  runToEnd,
  verifyKillOutcome,
  type KillDeployment,
} from './support/factory-kill.js';

/**
 * `keyline factory run --threads 2` through the real binary (`npm run build` first), on a tray of
 * durable emulator images: two station threads hold the chips and write their images while the CLI's
 * thread keeps the journal, the CA and the manifest. The batch completes with its JSON progress and
 * report lines, every chip image on disk is locked and rebuilds the certificate the CA recorded, the
 * manifest verifies, and a second run of the batch re-checks and skips every chip (the calibration
 * of the deployment runs a second batch the same way). The crash test with threads is in
 * factory-kill.test.ts.
 */

const CHIPS = 32;
const STATIONS = 4;
const THREADS = 2;

let deployment: KillDeployment | undefined;
afterAll(() => deployment?.remove());

describe('keyline factory run --threads', () => {
  it(
    `provisions ${CHIPS} chips on ${THREADS} station threads; a rerun skips them all`,
    { timeout: 240_000 },
    async () => {
      deployment = await prepareKillDeployment(CHIPS, {
        prefix: 'keyline-factory-threads-',
        stations: STATIONS,
        threads: THREADS,
      });
      expect(deployment.factoryArgs('any', STATIONS)).toEqual(expect.arrayContaining(['--threads', String(THREADS)]));

      const first = await runToEnd(deployment, { batchId: 'threads-1', stations: STATIONS });
      expect(first.exitCode, first.stderrTail).toBe(0);
      expect(first.report).toMatchObject({
        type: 'report',
        batchId: 'threads-1',
        total: CHIPS,
        done: CHIPS,
        skipped: 0,
        quarantined: 0,
        revoked: 0,
        manifestPath: deployment.manifestPath,
      });
      expect(first.progress).toMatchObject({ type: 'progress', done: CHIPS, skipped: 0, total: CHIPS });

      const again = await runToEnd(deployment, { batchId: 'threads-1', stations: STATIONS });
      expect(again.exitCode, again.stderrTail).toBe(0);
      expect(again.report).toMatchObject({ total: CHIPS, done: 0, skipped: CHIPS, quarantined: 0, revoked: 0 });
      expect(again.progress).toMatchObject({ done: 0, skipped: CHIPS, total: CHIPS });

      const outcome = await verifyKillOutcome(deployment, { completion: first.report!, rerun: again.report! });
      expect(outcome.violations).toEqual([]);
      expect(outcome).toMatchObject({
        chips: CHIPS,
        lockedChips: CHIPS,
        validCertificates: CHIPS,
        revokedCertificates: 0,
        rebuiltIdentical: CHIPS,
        manifestEntries: CHIPS,
        manifestVerifyExit: 0,
      });
    },
  );

  it('refuses a --threads that is not a whole number from 0 to 16 (exit 2)', { timeout: 60_000 }, () => {
    const d = deployment!;
    const base = ['factory', 'run', '--ca', d.issuingCaId, '--product-id', PRODUCT_ID, '--count', '2'];
    for (const value of ['17', '1.5', 'two']) {
      const run = d.keyline(...base, '--se', `emulator:${d.trayDir}`, '--threads', value, '--json');
      expect(run.status, value).toBe(2);
      expect(run.stdout + run.stderr, value).toContain('ERR_CLI_BAD_OPTION');
      expect(run.stdout + run.stderr, value).toContain('--threads');
    }
  });
});
