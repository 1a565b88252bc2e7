import type { Command } from 'commander';
import { withContext } from '../context.js';
import { checkOutputPath, csrPem, readCertificateFile, readCsrFile, writeOutputFile } from '../files.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef, parseInteger, parseManufacturerId } from '../options.js';
import { caDetailView, caFields, certificateDetailView, certificateFields } from '../views.js';
import {
  addSubordinateOptions,
  checkProductId,
  kindOption,
  parseSubordinate,
  type SubordinateFlags,
} from './ca-options.js';

/**
 * The ceremony for a parent kept offline (an air-gapped root): `ca csr` makes the new CA's key and
 * a CSR here (the CA waits, `pending`); the CSR is carried to the parent's machine, where
 * `ca sign-csr` issues the certificate; the certificate is carried back and `ca install` checks it
 * against the pending CA's key and activates the CA.
 */
export function addCaOffline(ca: Command, io: CliIo): void {
  addSubordinateOptions(
    ca
      .command('csr')
      .description("make a CA's key and a CSR for an offline parent to sign (the CA stays pending until ca install)")
      .option('--parent <ca-id>', 'the parent CA, when it is known to this data directory (id or label)'),
  )
    .requiredOption('--out <file>', 'where to write the CSR (PEM)')
    .action(async (flags: SubordinateFlags & { parent?: string; out: string }, command: Command) => {
      const parentRef = flags.parent === undefined ? undefined : parseCaRef(flags.parent, '--parent');
      const input = parseSubordinate(flags);
      checkOutputPath(flags.out);
      await withContext(command, io, async (ctx) => {
        const parent = parentRef === undefined ? undefined : await findCa(ctx.store, parentRef);
        const { ca: pending, csrDer } = await ctx
          .ca()
          .createCaCsr({ ...input, ...(parent === undefined ? {} : { parentId: parent.id }) }, ctx.actor);
        const pem = csrPem(csrDer);
        writeOutputFile(flags.out, pem);
        const view = caDetailView(pending);
        if (ctx.out.json) {
          ctx.out.data({ ...view, csrPem: pem, out: flags.out });
          return;
        }
        ctx.out.line(`CA ${view.id} is pending; its CSR is in ${flags.out}`);
        ctx.out.fields(caFields(view));
        ctx.out.note(
          `Next: on the parent's machine, keyline ca sign-csr --parent <parent-id> --csr ${flags.out} --kind ${input.kind} ` +
            `--manufacturer-id ${input.manufacturerId} --out <cert.pem>; then here, keyline ca install ${view.id} <cert.pem>`,
        );
      });
    });

  ca.command('sign-csr')
    .description("the offline parent's side: issue a subordinate CA certificate from its CSR")
    .requiredOption('--parent <ca-id>', 'the CA that signs (id or label)')
    .requiredOption('--csr <file>', "the subordinate CA's CSR (PEM or DER)")
    .addOption(kindOption())
    .requiredOption('--manufacturer-id <id>', 'KECP 6.4 manufacturer id the certificate carries')
    .option('--product-id <id>', 'KECP 6.4 product id (issuing CAs only)')
    .option(
      '--validity-years <n>',
      'validity in years (KECP: at most 20 manufacturer, 15 issuing; never beyond the parent)',
    )
    .option('--out <file>', 'where to write the certificate (PEM); default: standard output')
    .action(
      async (
        flags: {
          parent: string;
          csr: string;
          kind: 'manufacturer' | 'issuing';
          manufacturerId: string;
          productId?: string;
          validityYears?: string;
          out?: string;
        },
        command: Command,
      ) => {
        const parentRef = parseCaRef(flags.parent, '--parent');
        const manufacturerId = parseManufacturerId(flags.manufacturerId);
        const productId = checkProductId(flags.kind, flags.productId);
        const validityYears =
          flags.validityYears === undefined ? undefined : parseInteger('--validity-years', flags.validityYears, 1, 50);
        const csrDer = readCsrFile(flags.csr);
        if (flags.out !== undefined) checkOutputPath(flags.out);
        await withContext(command, io, async (ctx) => {
          const parent = await findCa(ctx.store, parentRef);
          const record = await ctx.ca().signCaCsr(
            {
              parentId: parent.id,
              csrDer,
              kind: flags.kind,
              manufacturerId,
              ...(productId === undefined ? {} : { productId }),
              ...(validityYears === undefined ? {} : { validityYears }),
            },
            ctx.actor,
          );
          const view = certificateDetailView(record);
          if (flags.out !== undefined && view.certificatePem !== null) writeOutputFile(flags.out, view.certificatePem);
          if (ctx.out.json) {
            ctx.out.data({ ...view, out: flags.out ?? null });
            return;
          }
          if (flags.out === undefined) {
            ctx.out.line(view.certificatePem ?? '');
            ctx.out.note(`Issued CA certificate ${view.serial} for ${view.subject}`);
            return;
          }
          ctx.out.line(`CA certificate issued, written to ${flags.out}`);
          ctx.out.fields(certificateFields(view));
          ctx.out.note(`Next: carry ${flags.out} back and run keyline ca install <ca-id> ${flags.out} there`);
        });
      },
    );

  ca.command('install')
    .description('install the certificate of a pending CA (checked against its key and its parent) and activate it')
    .argument('<ca-id>', 'the pending CA (id or label), as keyline ca csr printed it')
    .argument('<cert-file>', 'its certificate (PEM or DER), as keyline ca sign-csr wrote it')
    .option(
      '--parent-cert <file>',
      "the parent's certificate (PEM or DER), when the parent is not a CA of this data directory",
    )
    .action(async (caRef: string, certFile: string, flags: { parentCert?: string }, command: Command) => {
      const ref = parseCaRef(caRef, '<ca-id>');
      const der = readCertificateFile(certFile);
      const parentCertificateDer = flags.parentCert === undefined ? undefined : readCertificateFile(flags.parentCert);
      await withContext(command, io, async (ctx) => {
        const pending = await findCa(ctx.store, ref);
        const installed = await ctx
          .ca()
          .installCa(pending.id, der, ctx.actor, parentCertificateDer === undefined ? {} : { parentCertificateDer });
        const view = caDetailView(installed);
        if (ctx.out.json) {
          ctx.out.data(view);
          return;
        }
        ctx.out.line(`CA ${view.id} installed and active`);
        ctx.out.fields(caFields(view));
      });
    });
}
