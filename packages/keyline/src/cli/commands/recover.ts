import type { Command } from 'commander';
import { isKeylineError, type Clock } from '@keyline/core';
import type { Logger } from 'pino';
import type { CertificateAuthority, RecoveryResult, RecoveryScope } from '../../ca/index.js';
import { SYSTEM_ACTOR } from '../../ca/service-port.js';
import { withContext } from '../context.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef, parseInteger } from '../options.js';
import type { CommandRegistrar } from './index.js';

/**
 * The age from which `keyline serve` takes an unfinished record for abandoned. Longer than the
 * CLI's default: the server starts unattended, maybe while a factory line or `keyline issue` works
 * on the same store, and a record it fails wrongly costs its device a retry.
 */
export const SERVE_RECOVERY_MIN_AGE_MS = 10 * 60 * 1000;

/** Default of `--min-age`, in seconds: long past any live cycle, short enough for an operator to wait. */
const DEFAULT_MIN_AGE_SECONDS = 300;

/** Largest `--min-age`: a year. */
const MAX_MIN_AGE_SECONDS = 365 * 24 * 3600;

/**
 * The start-up step of `keyline serve`: fails the records abandoned for SERVE_RECOVERY_MIN_AGE_MS
 * (see recovery.ts) and logs what it did. It must not keep the server from starting: a store that
 * refuses, or an audit checkpoint falling due without a passphrase for the audit key, is logged and
 * the records wait for the next start or `keyline recover`.
 */
export async function recoverAbandoned(
  ca: Pick<CertificateAuthority, 'recover'>,
  clock: Clock,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<RecoveryResult | undefined> {
  const unfinishedBefore = new Date(clock.now().getTime() - SERVE_RECOVERY_MIN_AGE_MS);
  try {
    const result = await ca.recover(SYSTEM_ACTOR, { unfinishedBefore });
    if (result.failed > 0) {
      logger.info(
        { failed: result.failed, revoked: result.revoked, unfinishedBefore: unfinishedBefore.toISOString() },
        'recovery: abandoned certificate records failed (the signing ones listed as revoked)',
      );
    }
    return result;
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    logger.warn({ err: error.toJSON() }, 'recovery at start-up failed: run keyline recover');
    return undefined;
  }
}

/**
 * `keyline recover`: fails the `reserved`/`signing` records a crashed process left (ca/recovery.ts),
 * those still signing listed as revoked from then on. Only records untouched for `--min-age`
 * seconds: other processes may be issuing on the same store right now, and their records are at
 * most seconds old. `--min-age 0` takes every unfinished record, for when nothing else runs.
 */
export const registerRecover: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('recover')
    .description('fail the certificate records a crash left unfinished (signing ones are listed as revoked)')
    .option('--ca <ca-id>', 'only records of this CA (id or label)')
    .option(
      '--min-age <seconds>',
      'only records untouched this long (0: all, when no other process is issuing)',
      String(DEFAULT_MIN_AGE_SECONDS),
    )
    .action(async (flags: { ca?: string; minAge: string }, command: Command) => {
      const caRef = flags.ca === undefined ? undefined : parseCaRef(flags.ca, '--ca');
      const minAge = parseInteger('--min-age', flags.minAge, 0, MAX_MIN_AGE_SECONDS);
      await withContext(command, io, async (ctx) => {
        const caId = caRef === undefined ? undefined : (await findCa(ctx.store, caRef)).id;
        const scope: RecoveryScope = {
          ...(caId === undefined ? {} : { caId }),
          // Not `now - 0` for 0: a record made in this very millisecond must be taken too.
          ...(minAge === 0 ? {} : { unfinishedBefore: new Date(ctx.clock.now().getTime() - minAge * 1000) }),
        };
        const result = await ctx.ca().recover(ctx.actor, scope);
        if (ctx.out.json) {
          ctx.out.data(result);
          return;
        }
        const where = caId === undefined ? '' : ` of CA ${caId}`;
        const age = minAge === 0 ? '' : ` untouched for ${minAge} s or more`;
        ctx.out.line(`Recovered: ${result.failed} unfinished certificate record(s)${where}${age} failed`);
        ctx.out.fields([
          ['failed', result.failed],
          ['listed as revoked', result.revoked],
        ]);
        if (result.revoked > 0) {
          ctx.out.note(
            `Next: keyline crl --ca ${caId ?? '<ca-id>'} --out <file> publishes a CRL that lists them ` +
              '(a running server refreshes its CRLs itself)',
          );
        }
        if (result.failed === 0 && minAge > 0) {
          ctx.out.note(
            'Records updated within --min-age are left alone: --min-age 0 takes them all when nothing else is issuing',
          );
        }
      });
    });
};
