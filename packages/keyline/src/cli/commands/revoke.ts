import type { Command } from 'commander';
import { REVOCATION_REASONS } from '../../ca/index.js';
import { withContext } from '../context.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef, parseReason, parseSerial } from '../options.js';
import { certificateFields, certificateView } from '../views.js';
import type { CommandRegistrar } from './index.js';

/**
 * `keyline revoke`: marks a certificate revoked with an RFC 5280 5.3.1 reason. The next CRL lists
 * it and OCSP answers `revoked`. Revoking twice is refused (exit 1): the first revocation's time
 * and reason stand.
 */
export const registerRevoke: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('revoke')
    .description('revoke a certificate (then publish: keyline crl, or the server refreshes CRL and OCSP)')
    .argument('<serial>', 'the serial in hex, as keyline cert list shows it')
    .requiredOption('--ca <ca-id>', 'the CA that issued it (id or label)')
    .requiredOption('--reason <reason>', `RFC 5280 5.3.1 reason: ${REVOCATION_REASONS.join(', ')}`)
    .action(async (serial: string, flags: { ca: string; reason: string }, command: Command) => {
      const serialHex = parseSerial(serial, '<serial>');
      const caRef = parseCaRef(flags.ca, '--ca');
      const reason = parseReason(flags.reason);
      await withContext(command, io, async (ctx) => {
        const ca = await findCa(ctx.store, caRef);
        const record = await ctx.ca().revoke({ caId: ca.id, serialHex, reason }, ctx.actor);
        const view = certificateView(record);
        if (ctx.out.json) {
          ctx.out.data(view);
          return;
        }
        ctx.out.line(`Revoked: serial ${view.serial} of CA ${ca.id} (${reason})`);
        ctx.out.fields(certificateFields(view));
        ctx.out.note(`Next: keyline crl --ca ${ca.id} --out <file> publishes a CRL that lists it`);
      });
    });
};
