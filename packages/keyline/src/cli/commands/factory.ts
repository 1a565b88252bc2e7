import type { Command } from 'commander';
import { KeylineError, chainDefinitionToJson } from '@keyline/core';
import { createCertificateAuthority, type CertificateAuthority } from '../../ca/index.js';
import { MAX_THREADS, definitionForCa, runFactoryBatch, type FactoryReport } from '../../factory/index.js';
import { AUDIT_KEY_URI, cliAuditAppender } from '../audit-key.js';
import { withContext, type CliContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef, parseInteger } from '../options.js';
import { progressBar } from '../progress-bar.js';
import type { CommandRegistrar } from './index.js';

interface RunFlags {
  readonly ca: string;
  readonly productId: string;
  readonly count: string;
  readonly se: string;
  readonly stations?: string;
  readonly threads?: string;
  readonly batch?: string;
  readonly manifest?: string;
  readonly publicUrl?: string;
  readonly retryQuarantined?: boolean;
  readonly retryChip?: string[];
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--public-url` as the CA core takes it (http or https, no trailing slash), or ERR_CLI_BAD_OPTION. */
function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = value.replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+(\/\S*)?$/.test(url) || url.length > 200) {
    throw new KeylineError('ERR_CLI_BAD_OPTION', `--public-url must be an http(s) URL, not "${value.slice(0, 60)}"`);
  }
  return url;
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
    audit: cliAuditAppender(() => keys.open(AUDIT_KEY_URI)),
    options: { publicUrl },
  });
  return { ca, own: true };
}

function wholeNumber(value: string, flag: string, max: number): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new KeylineError(
      'ERR_CLI_BAD_OPTION',
      `${flag} must be a whole number from 1 to ${max}, not "${value.slice(0, 20)}"`,
    );
  }
  return Number(value);
}

function reportLines(report: FactoryReport): [string, string | number][] {
  return [
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
    .requiredOption('--ca <issuing-ca-id>', 'the issuing CA (id or label); its certificate goes into every chip')
    .requiredOption('--product-id <hex>', 'the product id of the devices (KECP 6.4)')
    .requiredOption('--count <n>', 'chips in the batch')
    .requiredOption('--se <source>', 'emulator:<tray-dir> or pkcs11:<uri> (each matching token is one chip)')
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
    .action(async (flags: RunFlags, command: Command) => {
      const caRef = parseCaRef(flags.ca, '--ca');
      const publicUrl = parsePublicUrl(flags.publicUrl);
      const count = wholeNumber(flags.count, '--count', 10_000_000);
      const stations = flags.stations === undefined ? undefined : wholeNumber(flags.stations, '--stations', 64);
      const threads =
        flags.threads === undefined ? undefined : parseInteger('--threads', flags.threads, 0, MAX_THREADS);
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
              audit: cliAuditAppender(() => ctx.keys().open(AUDIT_KEY_URI)),
            },
            {
              caId: ca.id,
              productId: flags.productId,
              count,
              se: flags.se,
              ...(stations !== undefined && { stations }),
              ...(threads !== undefined && { threads }),
              ...(flags.batch !== undefined && { batchId: flags.batch }),
              ...(flags.manifest !== undefined && { manifestPath: flags.manifest }),
              ...(flags.retryQuarantined === true && { retryQuarantined: true }),
              ...(flags.retryChip !== undefined && { retryChips: flags.retryChip }),
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
        if (json) io.out(JSON.stringify({ type: 'report', ...report }));
        else {
          ctx.out.fields(reportLines(report));
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
      const publicUrl = parsePublicUrl(flags.publicUrl);
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
