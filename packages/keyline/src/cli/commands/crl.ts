import type { Command } from 'commander';
import { CertificateRevocationList, encodePem } from '@keyline/core';
import { withContext } from '../context.js';
import { checkOutputPath, writeOutputFile } from '../files.js';
import type { CliIo } from '../io.js';
import { findCa } from '../lookup.js';
import { parseCaRef } from '../options.js';
import { crlView } from '../views.js';
import type { CommandRegistrar } from './index.js';

/**
 * `keyline crl`: signs a new full or delta CRL (RFC 5280 5.2: cRLNumber strictly increasing per
 * CA, thisUpdate/nextUpdate, authorityKeyIdentifier; a delta carries deltaCRLIndicator) and writes
 * it, DER by default as /crl/<ca-id>.crl serves it (`openssl crl -inform DER`), or PEM with --pem.
 */
export const registerCrl: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('crl')
    .description('sign a new CRL of a CA and write it to a file')
    .requiredOption('--ca <ca-id>', 'the CA (id or label)')
    .option('--delta', 'a delta CRL: only revocations since the last full CRL (RFC 5280 5.2.4)')
    .requiredOption('--out <file>', 'where to write the CRL')
    .option('--pem', 'write PEM (X509 CRL) instead of DER')
    .action(async (flags: { ca: string; delta?: boolean; out: string; pem?: boolean }, command: Command) => {
      const caRef = parseCaRef(flags.ca, '--ca');
      checkOutputPath(flags.out);
      await withContext(command, io, async (ctx) => {
        const ca = await findCa(ctx.store, caRef);
        const crl = await ctx.ca().generateCrl({ caId: ca.id, delta: flags.delta === true }, ctx.actor);
        writeOutputFile(flags.out, flags.pem === true ? encodePem('X509 CRL', crl.der) : crl.der);
        const entries = CertificateRevocationList.fromDer(crl.der).revokedCount;
        const view = { ...crlView(crl), entries, out: flags.out, format: flags.pem === true ? 'pem' : 'der' };
        if (ctx.out.json) {
          ctx.out.data(view);
          return;
        }
        ctx.out.line(
          `${crl.delta ? 'Delta' : 'Full'} CRL number ${view.number} of CA ${ca.id} written to ${flags.out}`,
        );
        ctx.out.fields([
          ['entries', entries],
          ['base CRL number', view.baseNumber],
          ['this update', view.thisUpdate],
          ['next update', view.nextUpdate],
        ]);
      });
    });
};
