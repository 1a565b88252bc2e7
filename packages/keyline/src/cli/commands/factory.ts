import type { Command } from 'commander';
import { KeylineError, chainDefinitionToJson } from '@keyline/core';
import { createCertificateAuthority, type CertificateAuthority } from '../../ca/index.js';
import { MAX_THREADS, definitionForCa, runFactoryBatch, type FactoryReport } from '../../factory/index.js';
import { AUDIT_KEY_URI, checkpointingAuditAppender } from '../../audit/deployment-key.js';
import { withContext, type CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import {
  JOB_KEYS,
  REQUIRED_SETTINGS,
  completeSettings,
  mergeSettings,
  jobFileName,
  readFactoryJob,
  settingsFromFlags,
  type FactoryJob,
  type FactoryRunFlags,
  type RequiredSetting,
} from '../factory-job.js';
import { parsePublicUrl } from '../factory-options.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef } from '../options.js';
import { progressBar } from '../../terminal/progress-bar.js';
import type { CommandRegistrar } from './index.js';

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The CA service the line issues through: the context's, or with `--public-url` one that writes
 * the CRL and OCSP locations under that URL into every device certificate (as `keyline serve
 * --public-url` does for certificates issued through the server).
 */
function authorityFor(ctx: CliContext, publicUrl: string | undefined): { ca: CertificateAuthority; own: boolean } {
  if (publicUrl === undefined) return { ca: ctx.ca(), own: false };
  const keys = ctx.keys();
  const ca = createCertificateAuthority({
    store: ctx.store,
    keys,
    clock: ctx.clock,
    random: ctx.random,
    audit: checkpointingAuditAppender(() => keys.open(AUDIT_KEY_URI)),
    options: { publicUrl },
  });
  return { ca, own: true };
}

function reportLines(report: FactoryReport, job: FactoryJob | undefined): [string, string | number][] {
  return [
    ...(job === undefined ? [] : [['job', `${job.path} (sha256 ${job.sha256})`] as [string, string]]),
    ['batch', report.batchId],
    ['ca', report.caId],
    ['total', report.total],
    ['done', report.done],
    ['skipped', report.skipped],
    ['quarantined', report.quarantined],
    ['revoked', report.revoked],
    ['retried', report.retried],
    ['duration', `${(report.durationMs / 1000).toFixed(1)} s`],
    ['rate', `${report.chipsPerSecond.toFixed(1)} chips/s`],
    ['manifest', report.done + report.skipped > 0 ? report.manifestPath : 'none (nothing provisioned)'],
  ];
}

/**
 * `keyline factory`: the provisioning line (docs/factory.md). `run` provisions (or resumes) a batch
 * of chips; `definition` prints the chain definition the devices' firmware embeds. Exit 0 when the
 * batch completes (quarantined chips do not fail it), 1 when nothing could be provisioned or the
 * batch is refused, 2 bad usage.
 */
export const registerFactory: CommandRegistrar = (program: Command, io: CliIo, setExitCode) => {
  const factory = program
    .command('factory')
    .description('the provisioning line: personalise secure elements in batches');

  factory
    .command('run')
    .description('provision a batch of chips: key in the chip, certificate issued and written, locked, checked')
    // --ca, --product-id, --count and --se are required, from the command line or the job file:
    // the action checks them (as commander's requiredOption would without --job).
    .option(
      '--job <file>',
      'a batch job file (JSON, docs/factory.md), or - for standard input: the settings below in camelCase with "version": 1; flags given here override its values; its relative paths are taken from its folder (from the current one for -)',
    )
    .option(
      '--ca <issuing-ca-id>',
      'the issuing CA (id or label); its certificate goes into every chip (required: here or in the --job file)',
    )
    .option('--product-id <hex>', 'the product id of the devices (KECP 6.4) (required: here or in the --job file)')
    .option('--count <n>', 'chips in the batch (required: here or in the --job file)')
    .option(
      '--se <source>',
      'emulator:<tray-dir> or pkcs11:<uri> (each matching token is one chip) (required: here or in the --job file)',
    )
    .option('--stations <k>', 'chips worked on at once (default 4)')
    .option(
      '--threads <n>',
      `worker threads that hold an emulator tray's chips and do their work, 0 to ${MAX_THREADS} (default 0: this thread); ignored for pkcs11:`,
    )
    .option('--batch <id>', 'batch id (default: derived from the CA, product, source and count); the same id resumes')
    .option('--manifest <file>', 'where the signed manifest goes (default <data>/manifests/<batch>.jsonl)')
    .option(
      '--public-url <url>',
      "the server's public base URL: device certificates point to <url>/crl/<ca-id>.crl and <url>/ocsp/<ca-id>",
    )
    .option(
      '--retry-quarantined',
      "retry the batch's quarantined chips that can be: unlocked ones get a new key (the old certificate revoked), locked ones with a valid certificate are checked again",
    )
    .option(
      '--retry-chip <serial>',
      'retry this quarantined chip of the batch (hex serial; repeatable), as --retry-quarantined does',
      collect,
    )
    .action(async (flags: FactoryRunFlags, command: Command) => {
      // Without a job file, a missing required flag is the usage error commander gave for it (before
      // any value is checked, as then).
      const requiredFlag = (missing: RequiredSetting): never => {
        const spec = command.options.find((o) => o.long === JOB_KEYS[missing])?.flags ?? JOB_KEYS[missing];
        return command.error(`error: required option '${spec}' not specified`, {
          code: 'commander.missingMandatoryOptionValue',
        });
      };
      if (flags.job === undefined) {
        const missing = REQUIRED_SETTINGS.find((key) => flags[key] === undefined);
        if (missing !== undefined) requiredFlag(missing);
      }
      const job = flags.job === undefined ? undefined : readFactoryJob(flags.job);
      const settings = mergeSettings(job?.settings, settingsFromFlags(flags));
      const {
        ca: caRef,
        productId,
        count,
        se,
        stations,
        threads,
        batch,
        manifest,
        publicUrl,
        retryQuarantined,
        retryChips,
      } = completeSettings(settings, (missing) => {
        const flag = JOB_KEYS[missing];
        if (job === undefined) return requiredFlag(missing);
        throw new KeylineError(
          'ERR_CLI_BAD_OPTION',
          `"${missing}" is missing: give ${flag} or set "${missing}" in job file ${jobFileName(flags.job!)}`,
          { option: flag, key: missing },
        );
      });
      await withContext(command, io, async (ctx) => {
        const ca = await findCa(ctx.store, caRef);
        const json = ctx.out.json;
        // A bar only on a terminal; logs and pipes get the report (or --json lines) alone.
        const bar =
          !json && io.isTty ? progressBar({ tty: true, write: (text) => process.stderr.write(text) }) : undefined;
        const authority = authorityFor(ctx, publicUrl);
        let report: FactoryReport;
        try {
          report = await runFactoryBatch(
            {
              ca: authority.ca,
              ...(publicUrl !== undefined && { publicUrl }),
              store: ctx.store,
              keys: ctx.keys(),
              clock: ctx.clock,
              random: ctx.random,
              actor: ctx.actor,
              dataDir: ctx.location.dataDir,
              // The line's own audit entries (a retried chip) with the audit key's checkpoints, as the CA's.
              audit: checkpointingAuditAppender(() => ctx.keys().open(AUDIT_KEY_URI)),
            },
            {
              caId: ca.id,
              productId,
              count,
              se,
              ...(stations !== undefined && { stations }),
              ...(threads !== undefined && { threads }),
              ...(batch !== undefined && { batchId: batch }),
              ...(manifest !== undefined && { manifestPath: manifest }),
              ...(retryQuarantined === true && { retryQuarantined: true }),
              ...(retryChips !== undefined && { retryChips }),
              onProgress: (p) => {
                if (json) io.out(JSON.stringify({ type: 'progress', ...p }));
                bar?.update({ ...p, done: Math.min(p.total, p.done + p.skipped + p.quarantined) });
              },
            },
          );
        } finally {
          if (authority.own) authority.ca.close();
        }
        bar?.end();
        // `job` names the job file that ran and the SHA-256 of its bytes, so the run traces to it.
        if (json) {
          const ran = job === undefined ? {} : { job: { path: job.path, sha256: job.sha256 } };
          io.out(JSON.stringify({ type: 'report', ...report, ...ran }));
        } else {
          ctx.out.fields(reportLines(report, job));
          for (const q of report.quarantine) ctx.out.line(`quarantined ${q.chipSerial}: ${q.code}: ${q.reason}`);
          for (const r of report.notRetried) ctx.out.line(`not retried ${r.chipSerial}: ${r.code}: ${r.reason}`);
        }
        setExitCode(report.done + report.skipped > 0 ? ExitCode.OK : ExitCode.NEGATIVE);
      });
    });

  factory
    .command('definition')
    .description("print the chain definition (JSON) the devices' firmware embeds to rebuild their chain")
    .requiredOption('--ca <issuing-ca-id>', 'the issuing CA (id or label)')
    .option('--product-id <id>', "the devices' product id (default: the CA's)")
    .option('--out <file>', 'write it to a file instead of stdout')
    .option('--public-url <url>', 'the --public-url the batch was run with (the CRL and OCSP locations)')
    .action(async (flags: { ca: string; productId?: string; out?: string; publicUrl?: string }, command: Command) => {
      const caRef = parseCaRef(flags.ca, '--ca');
      const publicUrl = flags.publicUrl === undefined ? undefined : parsePublicUrl(flags.publicUrl);
      if (flags.out !== undefined) checkOutputPath(flags.out);
      await withContext(command, io, async (ctx) => {
        const ca = await findCa(ctx.store, caRef);
        const json = chainDefinitionToJson(
          await definitionForCa(ctx.store, ca.id, {
            ...(flags.productId !== undefined && { productId: flags.productId }),
            ...(publicUrl !== undefined && { publicUrl }),
          }),
        );
        if (flags.out !== undefined) {
          writeOutputFile(flags.out, json);
          ctx.out.note(`chain definition of CA ${ca.label} written to ${flags.out}`);
        } else io.out(json.trimEnd());
      });
      setExitCode(ExitCode.OK);
    });
};
