import { afterAll, describe, expect, it } from 'vitest';
import { prepareKillDeployment, runWithKills, verifyKillOutcome, type KillDeployment } from './support/factory-kill.js';

/**
 * Issue 4, section 4, CI-sized: `keyline factory run` on a tray of 200 emulated chips is killed with
 * SIGKILL at 20 seeded random moments (start-up, early, late, inside a chip's steps), then the same
 * batch runs to completion and once more. Afterwards every chip is provisioned exactly once, the
 * certificate rebuilt from each chip is the one the CA recorded, every issued certificate is in the
 * manifest or revoked, no serial is duplicated, and the manifest verifies (support/factory-kill.ts;
 * the 20,000-chip variant is scripts/factory-kill-20k.ts). The same again with `--threads 2`, where
 * station threads hold the chips and write their images, and a kill stops them mid-write along with
 * the line. `KEYLINE_KILL_SEED` replays a seed. Run `npm run build` first: the binary runs the
 * compiled CLI.
 */

const CHIPS = 200;
const KILLS = 20;
const STATIONS = 4;
const SEED =
  process.env['KEYLINE_KILL_SEED'] === undefined ? Date.now() % 1_000_000 : Number(process.env['KEYLINE_KILL_SEED']);

const deployments: KillDeployment[] = [];
afterAll(() => deployments.forEach((d) => d.remove()));

/** The line in the CLI's own thread, and with its chips held by two station threads. */
const VARIANTS = [
  { threads: 0, title: '' },
  { threads: 2, title: ' with --threads 2' },
];

describe('the factory line survives SIGKILL at random moments', () => {
  for (const { threads, title } of VARIANTS) {
    it(
      `provisions ${CHIPS} chips exactly once across ${KILLS} kills${title} (seed printed)`,
      { timeout: 300_000 },
      async () => {
        const log = (line: string): void =>
          void process.stdout.write(`[factory-kill threads ${threads} seed ${SEED}] ${line}\n`);
        log(`seed ${SEED} (replay with KEYLINE_KILL_SEED=${SEED})`);
        const deployment = await prepareKillDeployment(CHIPS, { stations: STATIONS, threads });
        deployments.push(deployment);
        log(`calibration: ${JSON.stringify(deployment.calibration)}`);
        const result = await runWithKills(deployment, {
          kills: KILLS,
          seed: SEED,
          stations: STATIONS,
          batchId: 'kill-test',
          log,
        });
        const outcome = await verifyKillOutcome(deployment, result);
        log(
          `kills ${result.kills}, runs ${result.runs.length}, chips ${outcome.chips}, valid ${outcome.validCertificates}, ` +
            `revoked ${outcome.revokedCertificates}, never signed ${outcome.unsignedRecords}, manifest entries ` +
            `${outcome.manifestEntries}, kills by kind ${JSON.stringify(result.byKind)}, before completion ` +
            `${result.killsBeforeCompletion}, ${result.wallMs} ms; the CA's records by status ` +
            JSON.stringify(result.runs[result.runs.length - 1]!.after.certificates),
        );

        expect(outcome.violations, `seed ${SEED}`).toEqual([]);
        expect(result.kills).toBeGreaterThanOrEqual(KILLS);
        // Should a run complete the batch before its kill, the remaining kills hit re-runs of the complete
        // batch (re-checks, the manifest written again); most must have come before.
        expect(result.killsBeforeCompletion).toBeGreaterThanOrEqual(KILLS - 5);
        // The kills landed in different situations: while chips still waited for keys, and after most were locked.
        const killed = result.runs.filter((r) => r.outcome === 'killed');
        // The first kill came among the key generations, before the journal had the keys.
        expect(killed[0]!.plan?.kind).toBe('keys');
        expect((killed[0]!.after.chips['done'] ?? 0) + (killed[0]!.after.chips['issued'] ?? 0)).toBeLessThan(CHIPS);
        expect(killed[1]!.plan?.kind).toBe('issuance');
        expect(killed.some((r) => r.plan?.kind === 'chips')).toBe(true);
        expect(killed.some((r) => r.after.lockedChips > CHIPS / 2)).toBe(true);
        expect(outcome.chips).toBe(CHIPS);
        expect(outcome.lockedChips).toBe(CHIPS);
        expect(outcome.validCertificates).toBe(CHIPS);
        expect(outcome.rebuiltIdentical).toBe(CHIPS);
        expect(outcome.manifestEntries).toBe(CHIPS);
        expect(outcome.manifestVerifyExit).toBe(0);
        expect(result.completion.total).toBe(CHIPS);
        expect(result.completion.done + result.completion.skipped).toBe(CHIPS);
        expect(result.rerun).toMatchObject({ total: CHIPS, done: 0, skipped: CHIPS, quarantined: 0 });
        expect(result.rerun.revoked).toBe(outcome.revokedCertificates);
      },
    );
  }
});
