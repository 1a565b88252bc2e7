import type { Command } from 'commander';
import {
  Certificate,
  KeylineError,
  chainDefinitionFromJson,
  fail,
  isKeylineError,
  type ChainDefinition,
} from '@keyline/core';
import { DeviceIdentity } from '@keyline/device';
import type { SecureElement } from '@keyline/se';
import { definitionForCa } from '../../factory/index.js';
import { openChipSource, type ChipSource } from '../../factory/elements.js';
import { withContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { readInputFile, type CliIo } from '../io.js';
import type { CommandRegistrar } from './index.js';

interface AttestFlags {
  readonly se: string;
  readonly nonce: string;
  readonly audience: string;
  readonly definition?: string;
  readonly json?: boolean;
}

/** Slot 9: the issuing CA's public key as X ‖ Y (brief "Chip storage layout"). */
const SIGNER_KEY_SLOT = 9;

function badSe(message: string): never {
  throw new KeylineError('ERR_CLI_BAD_OPTION', message, { option: '--se' });
}

/**
 * The one element `--se` names: `emulator:<tray-dir>#<chip-serial>` (a chip of a tray) or
 * `pkcs11:<RFC 7512 URI>` matching exactly one token. Opened through the factory line's element
 * sources, so both commands read the same syntax the same way.
 */
async function openElement(se: string): Promise<{ element: SecureElement; source: ChipSource }> {
  let sourceSpec = se;
  let serial: string | undefined;
  if (se.startsWith('emulator:')) {
    const hash = se.lastIndexOf('#');
    if (hash < 0) badSe('--se emulator:<tray-dir>#<chip-serial>: the chip serial is missing');
    sourceSpec = se.slice(0, hash);
    serial = se.slice(hash + 1).toLowerCase();
    if (!/^[0-9a-f]{18}$/.test(serial)) badSe(`--se: "${serial.slice(0, 40)}" is not a 9-byte chip serial in hex`);
  } else if (!se.startsWith('pkcs11:')) {
    badSe('--se must be emulator:<tray-dir>#<chip-serial> or pkcs11:<uri>');
  }
  let source: ChipSource;
  try {
    source = await openChipSource(sourceSpec, { persistence: 'file', timing: false });
  } catch (error) {
    if (isKeylineError(error, 'ERR_FACTORY_BAD_SE')) badSe(`--se: ${error.message}`);
    throw error;
  }
  try {
    if (serial === undefined) {
      const serials = await source.serials();
      if (serials.length !== 1) {
        badSe(`--se: the PKCS#11 URI matches ${serials.length} tokens; name one (token=<label>)`);
      }
      serial = serials[0]!;
    }
    return { element: await source.open(serial), source };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * The chain definition of the element's issuing CA, found in the data directory: the issuing CA
 * whose public key is the one in slot 9, described as `keyline factory definition` describes it.
 */
async function definitionFromDataDir(command: Command, io: CliIo, element: SecureElement): Promise<ChainDefinition> {
  const slot9 = await element.read(SIGNER_KEY_SLOT, 0, 64);
  const point = Buffer.concat([Buffer.from([0x04]), slot9]);
  return withContext(command, io, async (ctx) => {
    for (const ca of await ctx.store.cas.list({ kind: 'issuing' })) {
      if (ca.certificateDer === null) continue;
      if (Buffer.compare(Certificate.fromDer(ca.certificateDer).publicKey, point) === 0) {
        return definitionForCa(ctx.store, ca.id);
      }
    }
    return fail(
      'ERR_DEVICE_NO_DEFINITION',
      'no issuing CA of this data directory has the key in the chip’s slot 9: give --definition <file> (keyline factory definition)',
    );
  });
}

function readDefinition(path: string): ChainDefinition {
  return chainDefinitionFromJson(readInputFile(path).toString('utf8'));
}

/**
 * `keyline device …`: what a device does with its identity, from the command line. `device
 * attest` reads the identity from the element (the chain rebuilt from its slots and the chain
 * definition), signs an attestation token inside it for `--nonce` and `--audience`, and prints
 * the token (compact JWS) on stdout.
 */
export const registerDevice: CommandRegistrar = (program: Command, io: CliIo, setExitCode) => {
  const device = program.command('device').description('use a provisioned device’s identity (attestation)');
  device
    .command('attest')
    .description('print an attestation token signed inside the secure element (compact JWS, ES256)')
    .requiredOption('--se <element>', 'emulator:<tray-dir>#<chip-serial> or pkcs11:<uri>')
    .requiredOption('--nonce <n>', 'the challenge nonce (POST /api/v1/challenges, or any the verifier gave)')
    .requiredOption('--audience <a>', 'who the token is for (the verifier’s name)')
    .option('--definition <file>', 'chain definition JSON (default: from the data directory, by the key in slot 9)')
    .option('--json', 'print { ok, deviceId, token } as JSON')
    .action(async (flags: AttestFlags, command: Command) => {
      const definition = flags.definition === undefined ? undefined : readDefinition(flags.definition);
      const { element, source } = await openElement(flags.se);
      try {
        const identity = await DeviceIdentity.open(element, {
          definition: definition ?? (await definitionFromDataDir(command, io, element)),
        });
        const token = await identity.attest({ nonce: flags.nonce, audience: flags.audience });
        io.out(flags.json === true ? JSON.stringify({ ok: true, deviceId: identity.deviceId, token }) : token);
        setExitCode(ExitCode.OK);
      } finally {
        await element.close();
        await source.close();
      }
    });
};
