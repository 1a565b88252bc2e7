import { Option, type Command } from 'commander';
import { withContext } from '../context.js';
import { checkOutputPath, readCsrFile, writeOutputFile } from '../files.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { ISSUE_PROFILES, parseCaRef, parseInteger, parseRequestId } from '../options.js';
import { certificateDetailView, certificateFields } from '../views.js';
import type { CommandRegistrar } from './index.js';

interface IssueFlags {
  readonly ca: string;
  readonly csr: string;
  readonly profile: 'device' | 'ldevid';
  readonly requestId?: string;
  readonly validityDays?: string;
  readonly out?: string;
}

/**
 * `keyline issue`: a device (IDevID) or operational (LDevID) certificate from a CSR. The CA checks
 * the CSR's signature (proof of possession), applies the profile, lints before signing (a
 * violation is refused with the findings, exit 1), and allocates a 128-bit random serial. The same
 * --request-id at the same CA returns the certificate issued the first time (`reused`).
 */
export const registerIssue: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('issue')
    .description('issue a device or LDevID certificate from a CSR (JSON: { id, serial, certificatePem, reused, … })')
    .requiredOption('--ca <ca-id>', 'the issuing CA (id or label)')
    .requiredOption('--csr <file>', 'the PKCS#10 request (PEM or DER; - for standard input)')
    .addOption(new Option('--profile <profile>', 'certificate profile').choices(ISSUE_PROFILES).default('device'))
    .option('--request-id <id>', 'idempotency key: repeating it returns the same certificate')
    .option('--validity-days <n>', 'validity in days (ldevid; a device certificate does not expire by default)')
    .option('--out <file>', 'where to write the certificate (PEM); default: standard output')
    .action(async (flags: IssueFlags, command: Command) => {
      const caRef = parseCaRef(flags.ca, '--ca');
      const requestId = flags.requestId === undefined ? undefined : parseRequestId(flags.requestId);
      const validityDays =
        flags.validityDays === undefined ? undefined : parseInteger('--validity-days', flags.validityDays, 1, 36_500);
      const csrDer = readCsrFile(flags.csr);
      if (flags.out !== undefined) checkOutputPath(flags.out);
      await withContext(command, io, async (ctx) => {
        const ca = await findCa(ctx.store, caRef);
        const { record, reused } = await ctx.ca().issue(
          {
            caId: ca.id,
            csrDer,
            profile: flags.profile,
            ...(requestId === undefined ? {} : { requestId }),
            ...(validityDays === undefined ? {} : { validityDays }),
          },
          ctx.actor,
        );
        const view = certificateDetailView(record);
        if (flags.out !== undefined && view.certificatePem !== null) writeOutputFile(flags.out, view.certificatePem);
        if (ctx.out.json) {
          ctx.out.data({ ...view, reused, out: flags.out ?? null });
          return;
        }
        const what = reused ? `Already issued for request ${requestId ?? ''} (nothing new signed)` : 'Issued';
        if (flags.out === undefined) {
          ctx.out.line(view.certificatePem ?? '');
          ctx.out.note(`${what}: serial ${view.serial} by CA ${ca.id}`);
          return;
        }
        ctx.out.line(`${what}: serial ${view.serial}, written to ${flags.out}`);
        ctx.out.fields(certificateFields(view));
      });
    });
};
