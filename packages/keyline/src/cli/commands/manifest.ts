import type { Command } from 'commander';
import { KeylineError, certificatesFrom, isKeylineError, validationTime, type Certificate } from '@keyline/core';
import { inclusionProof, verifyInclusionProof, verifyManifest, type InclusionProof } from '../../manifest/index.js';
import { ExitCode } from '../exit-codes.js';
import { readInputFile, type CliIo } from '../io.js';
import type { CommandRegistrar } from './index.js';

interface TrustFlags {
  readonly trust: string;
  readonly at?: string;
  readonly json?: boolean;
}

/** Reads the trust root file: unreadable or not certificates is bad input (exit 2). */
function readTrust(path: string): Certificate[] {
  const bytes = new Uint8Array(readInputFile(path));
  try {
    return certificatesFrom(bytes);
  } catch (error) {
    if (isKeylineError(error)) throw new KeylineError(error.code, `trust root ${path}: ${error.message}`, { path });
    throw error;
  }
}

function timeFlag(at: string | undefined): Date | undefined {
  return at === undefined ? undefined : validationTime(at);
}

/**
 * `keyline manifest`: checks signed factory manifests offline (docs/manifest.md). Exit 0 valid,
 * 1 invalid (the reason code and the first failing entry are printed), 2 bad usage or unreadable input.
 */
export const registerManifest: CommandRegistrar = (program: Command, io: CliIo, setExitCode) => {
  const manifest = program.command('manifest').description('verify signed factory manifests and inclusion proofs');

  manifest
    .command('verify')
    .description('verify a whole manifest against the ecosystem root, in one streaming pass')
    .argument('<file>', 'the manifest (JSON Lines)')
    .requiredOption('--trust <root.pem>', 'the ecosystem root certificate (PEM or DER)')
    .option('--at <time>', "validation time, ISO 8601 with offset (default: the manifest's creation time)")
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: TrustFlags) => {
      const trustRoot = readTrust(flags.trust);
      const time = timeFlag(flags.at);
      const result = await verifyManifest(file, { trustRoot, ...(time === undefined ? {} : { time }) });
      if (flags.json === true) {
        io.out(
          JSON.stringify(
            result.ok
              ? { ok: true, file, count: result.count, treeHead: result.treeHead, batch: result.header.batch }
              : { file, ...result },
          ),
        );
      } else if (result.ok) {
        io.out(
          `OK: ${file}: ${result.count} device${result.count === 1 ? '' : 's'}, batch ${result.header.batch}, ` +
            `manufacturer ${result.header.manufacturerId}, product ${result.header.productId}, tree head ${result.treeHead}`,
        );
      } else {
        const where =
          result.index === undefined ? `line ${result.line}` : `entry ${result.index} (line ${result.line})`;
        io.out(`INVALID: ${file}: ${where}: ${result.code}: ${result.message}`);
      }
      setExitCode(result.ok ? ExitCode.OK : ExitCode.NEGATIVE);
    });

  manifest
    .command('proof')
    .description('print the inclusion proof of one entry (JSON), for a buyer to check that device alone')
    .argument('<file>', 'the manifest (JSON Lines)')
    .argument('<index>', 'the entry index (0-based)')
    .action(async (file: string, indexText: string) => {
      if (!/^\d{1,15}$/.test(indexText))
        throw new KeylineError('ERR_CLI_USAGE', `not an entry index: ${indexText.slice(0, 20)}`);
      io.out(JSON.stringify(await inclusionProof(file, Number(indexText))));
      setExitCode(ExitCode.OK);
    });

  manifest
    .command('verify-proof')
    .description('verify an inclusion proof against the ecosystem root')
    .argument('<proof.json>', 'the proof `keyline manifest proof` printed')
    .requiredOption('--trust <root.pem>', 'the ecosystem root certificate (PEM or DER)')
    .option('--at <time>', "validation time, ISO 8601 with offset (default: the manifest's creation time)")
    .option('--json', 'print the result as JSON')
    .action((file: string, flags: TrustFlags) => {
      const trustRoot = readTrust(flags.trust);
      const time = timeFlag(flags.at);
      let proof: InclusionProof;
      try {
        proof = JSON.parse(readInputFile(file).toString('utf8')) as InclusionProof;
      } catch (error) {
        if (isKeylineError(error)) throw error;
        throw new KeylineError('ERR_CLI_USAGE', `${file} is not JSON`);
      }
      if (typeof proof !== 'object' || proof === null)
        throw new KeylineError('ERR_CLI_USAGE', `${file} is not a proof`);
      const result = verifyInclusionProof(proof, trustRoot, time === undefined ? {} : { time });
      if (flags.json === true) {
        io.out(
          JSON.stringify(result.ok ? { ok: true, index: result.entry.index, deviceId: result.entry.deviceId } : result),
        );
      } else if (result.ok) {
        io.out(
          `OK: entry ${result.entry.index}, device ${result.entry.deviceId}, is in the manifest with tree head ${result.treeHead}`,
        );
      } else {
        io.out(`INVALID: ${result.code}: ${result.message}`);
      }
      setExitCode(result.ok ? ExitCode.OK : ExitCode.NEGATIVE);
    });
};
