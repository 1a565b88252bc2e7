import { Option, type Command } from 'commander';
import type { CaCurve } from '../../ca/service-port.js';
import { withContext } from '../context.js';
import type { CliIo } from '../io.js';
import { CURVES, parseCommonName, parseInteger } from '../options.js';
import { caDetailView, caFields } from '../views.js';
import type { CommandRegistrar } from './index.js';

interface RootCreateFlags {
  readonly name: string;
  readonly organization?: string;
  readonly curve?: CaCurve;
  readonly key?: string;
  readonly validityYears?: string;
  readonly label?: string;
}

/**
 * `keyline root create`: the root ceremony (KECP 5.1). The key is generated where --key says (a
 * file: key in the data directory by default, or on an HSM with a pkcs11: URI), the self-signed
 * certificate is linted against the root profile before it is signed, and the fingerprint printed
 * for the ceremony record.
 */
export const registerRoot: CommandRegistrar = (program: Command, io: CliIo) => {
  const root = program.command('root').description('the ecosystem root CA');
  root
    .command('create')
    .description('the root ceremony: make the root key and its self-signed certificate (root profile)')
    .requiredOption('--name <cn>', 'common name of the root CA')
    .option('--organization <o>', 'organization name in the subject (default: the CA service decides)')
    .addOption(new Option('--curve <curve>', 'key curve (default P-384)').choices(CURVES))
    .option(
      '--key <key-uri>',
      'where to make the key: file:<path> or a pkcs11: URI (default: a file in the data directory)',
    )
    .option('--validity-years <n>', 'validity of the root certificate in years (default 20, KECP at most 25)')
    .option('--label <label>', 'short unique label (EST paths, display)')
    .action(async (flags: RootCreateFlags, command: Command) => {
      const name = parseCommonName(flags.name);
      const validityYears =
        flags.validityYears === undefined ? undefined : parseInteger('--validity-years', flags.validityYears, 1, 100);
      await withContext(command, io, async (ctx) => {
        const ca = await ctx.ca().createRoot(
          {
            name,
            ...(flags.organization === undefined ? {} : { organization: flags.organization }),
            ...(flags.curve === undefined ? {} : { curve: flags.curve }),
            ...(flags.key === undefined ? {} : { keyUri: flags.key }),
            ...(validityYears === undefined ? {} : { validityYears }),
            ...(flags.label === undefined ? {} : { label: flags.label }),
          },
          ctx.actor,
        );
        const view = caDetailView(ca);
        if (ctx.out.json) {
          ctx.out.data(view);
          return;
        }
        ctx.out.line(`Root CA created: ${view.id}`);
        ctx.out.fields(caFields(view));
        ctx.out.note(
          `Next: keyline ca create --parent ${view.id} --kind manufacturer --manufacturer-id <id> --name <cn>`,
        );
      });
    });
};
