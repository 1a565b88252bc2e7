import { Option, type Command } from 'commander';
import { fail } from '@keyline/core';
import type { CertificateStatus } from '../../ca/records.js';
import type { CertificateFilter } from '../../ca/store-port.js';
import { withContext } from '../context.js';
import type { CliIo } from '../io.js';
import { findCa, findCertificate } from '../lookup.js';
import { CERTIFICATE_STATUSES, parseCaRef, parseCursor, parseDeviceId, parseInteger, parseSerial } from '../options.js';
import { certificateDetailView, certificateFields, certificateView } from '../views.js';
import type { CommandRegistrar } from './index.js';

interface ListFlags {
  readonly ca?: string;
  readonly serial?: string;
  readonly deviceId?: string;
  readonly status?: CertificateStatus;
  readonly limit: string;
  readonly cursor?: string;
}

/**
 * `keyline cert list` and `keyline cert show`: search the certificates the CAs issued. Listing is
 * paginated: one page per call, and the cursor for the next page is printed (to stderr with
 * --json, so that stdout stays one JSON array).
 */
export const registerCert: CommandRegistrar = (program: Command, io: CliIo) => {
  const cert = program.command('cert').description('certificates issued here: search and show');

  cert
    .command('list')
    .description('search certificates by CA, serial, device id, status (JSON: an array)')
    .option('--ca <ca-id>', 'only certificates of this CA (id or label)')
    .option('--serial <hex>', 'only this serial')
    .option('--device-id <id>', 'only this device (KECP 6.1 device id, hex)')
    .addOption(
      new Option(
        '--status <status>',
        'only this status (valid or revoked; reserved, signing, failed for recovery)',
      ).choices(CERTIFICATE_STATUSES),
    )
    .option('--limit <n>', 'page size, 1–1000', '100')
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .action(async (flags: ListFlags, command: Command) => {
      const caRef = flags.ca === undefined ? undefined : parseCaRef(flags.ca, '--ca');
      const serialHex = flags.serial === undefined ? undefined : parseSerial(flags.serial, '--serial');
      const deviceId = flags.deviceId === undefined ? undefined : parseDeviceId(flags.deviceId);
      const limit = parseInteger('--limit', flags.limit, 1, 1000);
      const cursor = flags.cursor === undefined ? undefined : parseCursor(flags.cursor);
      await withContext(command, io, async (ctx) => {
        const caId = caRef === undefined ? undefined : (await findCa(ctx.store, caRef)).id;
        const filter: CertificateFilter = {
          ...(caId === undefined ? {} : { caId }),
          ...(serialHex === undefined ? {} : { serialHex }),
          ...(deviceId === undefined ? {} : { deviceId }),
          ...(flags.status === undefined ? {} : { status: flags.status }),
        };
        const page = await ctx.store.certificates.search(filter, {
          limit,
          ...(cursor === undefined ? {} : { cursor }),
        });
        const views = page.items.map(certificateView);
        if (ctx.out.json) {
          ctx.out.data(views);
        } else {
          ctx.out.table(
            ['SERIAL', 'STATUS', 'PROFILE', 'DEVICE ID', 'NOT AFTER', 'SUBJECT'],
            views.map((v) => [v.serial, v.status, v.profile, v.deviceId ?? '-', v.notAfter ?? '-', v.subject]),
          );
        }
        if (page.next !== null) ctx.out.note(`More: add --cursor ${page.next}`);
      });
    });

  cert
    .command('show')
    .description('show one certificate by serial (JSON: with certificatePem)')
    .argument('<serial>', 'the serial in hex, as keyline cert list shows it')
    .option('--ca <ca-id>', 'the issuing CA (needed only when two CAs issued the same serial)')
    .option('--pem', 'print only the certificate (PEM)')
    .action(async (serial: string, flags: { ca?: string; pem?: boolean }, command: Command) => {
      const serialHex = parseSerial(serial, '<serial>');
      const caRef = flags.ca === undefined ? undefined : parseCaRef(flags.ca, '--ca');
      await withContext(command, io, async (ctx) => {
        const caId = caRef === undefined ? undefined : (await findCa(ctx.store, caRef)).id;
        const view = certificateDetailView(await findCertificate(ctx.store, serialHex, caId));
        if (ctx.out.json) {
          ctx.out.data(view);
        } else if (flags.pem === true) {
          if (view.certificatePem === null) {
            fail('ERR_CA_CERTIFICATE_NOT_FOUND', `certificate ${view.serial} was never signed (status ${view.status})`);
          }
          ctx.out.line(view.certificatePem);
        } else {
          ctx.out.fields(certificateFields(view));
          if (view.certificatePem !== null) ctx.out.line(view.certificatePem);
        }
      });
    });
};
