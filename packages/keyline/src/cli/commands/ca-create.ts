import type { Command } from 'commander';
import { withContext } from '../context.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef } from '../options.js';
import { caDetailView, caFields } from '../views.js';
import { addSubordinateOptions, parseSubordinate, type SubordinateFlags } from './ca-options.js';

/**
 * `keyline ca create`: a manufacturer CA under the root, or an issuing CA under a manufacturer CA,
 * when the parent's key is online in this deployment. The key is made, the certificate issued by
 * the parent through the issuance cycle (linted against the tier's profile before it is signed).
 */
export function addCaCreate(ca: Command, io: CliIo): void {
  addSubordinateOptions(
    ca
      .command('create')
      .description('make a manufacturer or issuing CA whose parent is online here')
      .requiredOption('--parent <ca-id>', 'the issuing CA (id or label)'),
  ).action(async (flags: SubordinateFlags & { parent: string }, command: Command) => {
    const parentRef = parseCaRef(flags.parent, '--parent');
    const input = parseSubordinate(flags);
    await withContext(command, io, async (ctx) => {
      const parent = await findCa(ctx.store, parentRef);
      const created = await ctx.ca().createCa({ ...input, parentId: parent.id }, ctx.actor);
      const view = caDetailView(created);
      if (ctx.out.json) {
        ctx.out.data(view);
        return;
      }
      ctx.out.line(`${input.kind === 'manufacturer' ? 'Manufacturer' : 'Issuing'} CA created: ${view.id}`);
      ctx.out.fields(caFields(view));
      if (input.kind === 'manufacturer') {
        ctx.out.note(
          `Next: keyline ca create --parent ${view.id} --kind issuing --manufacturer-id ${input.manufacturerId} --name <cn>`,
        );
      } else {
        ctx.out.note(`Next: keyline issue --ca ${view.id} --csr <device.csr> --out <device.pem>`);
      }
    });
  });
}
