import { Option, type Command } from 'commander';
import { fail } from '@keyline/core';
import type { CaKind } from '../../ca/records.js';
import { withContext } from '../context.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { CA_KINDS, parseCaRef, parseManufacturerId } from '../options.js';
import { caDetailView, caFields, caView } from '../views.js';

/** `keyline ca list` and `keyline ca show`: read-only views of the CAs of this data directory. */
export function addCaList(ca: Command, io: CliIo): void {
  ca.command('list')
    .description('list the CAs (JSON: an array)')
    .addOption(new Option('--kind <kind>', 'only CAs of this tier').choices(CA_KINDS))
    .option('--manufacturer-id <id>', "only this manufacturer's CAs")
    .action(async (flags: { kind?: CaKind; manufacturerId?: string }, command: Command) => {
      const manufacturerId = flags.manufacturerId === undefined ? undefined : parseManufacturerId(flags.manufacturerId);
      await withContext(command, io, async (ctx) => {
        const cas = await ctx.store.cas.list({
          ...(flags.kind === undefined ? {} : { kind: flags.kind }),
          ...(manufacturerId === undefined ? {} : { manufacturerId }),
        });
        const views = cas.map(caView);
        if (ctx.out.json) {
          ctx.out.data(views);
          return;
        }
        ctx.out.table(
          ['ID', 'LABEL', 'KIND', 'STATUS', 'PARENT', 'SUBJECT'],
          views.map((v) => [v.id, v.label, v.kind, v.status, v.parentId ?? '-', v.subject]),
        );
      });
    });

  ca.command('show')
    .description('show one CA (JSON: with certificatePem)')
    .argument('<ca-id>', 'the CA (id or label)')
    .option('--pem', 'print only the CA certificate (PEM), e.g. to build a chain file')
    .action(async (ref: string, flags: { pem?: boolean }, command: Command) => {
      const caRef = parseCaRef(ref, '<ca-id>');
      await withContext(command, io, async (ctx) => {
        const view = caDetailView(await findCa(ctx.store, caRef));
        if (ctx.out.json) {
          ctx.out.data(view);
        } else if (flags.pem === true) {
          if (view.certificatePem === null) {
            fail('ERR_CA_NOT_ACTIVE', `CA ${view.id} is pending: it has no certificate until keyline ca install`);
          }
          ctx.out.line(view.certificatePem);
        } else {
          ctx.out.fields(caFields(view));
        }
      });
    });
}
