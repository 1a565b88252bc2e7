import { Option, type Command } from 'commander';
import {
  KeylineError,
  certificatesFrom,
  crlsFrom,
  formatName,
  isKeylineError,
  validationTime,
  verifyChain,
  type Certificate,
  type Purpose,
  type VerifyChainResult,
  type VerifyProfile,
} from '@keyline/core';
import { ExitCode } from '../exit-codes.js';
import { readInputFile, type CliIo } from '../io.js';
import type { CommandRegistrar } from './index.js';

interface VerifyFlags {
  readonly trust: string;
  readonly untrusted?: string[];
  readonly crl?: string[];
  readonly at?: string;
  readonly purpose: Purpose;
  readonly profile: VerifyProfile;
  readonly json?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Reads a file and decodes what it holds with `decode`. A file that cannot be read or does not
 * decode is bad input (exit 2), named in the message; it is not a verdict on the chain.
 */
function decodeFile<T>(path: string, what: string, decode: (bytes: Uint8Array) => T[]): T[] {
  const bytes = new Uint8Array(readInputFile(path));
  try {
    return decode(bytes);
  } catch (error) {
    if (isKeylineError(error)) throw new KeylineError(error.code, `${what} ${path}: ${error.message}`, { path });
    throw error;
  }
}

function describe(certificate: Certificate): Record<string, string> {
  return {
    subject: formatName(certificate.subject),
    issuer: formatName(certificate.issuer),
    serial: certificate.serialHex,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    fingerprint: `sha256:${certificate.fingerprint}`,
  };
}

function report(io: CliIo, result: VerifyChainResult, json: boolean): void {
  if (json) {
    io.out(
      JSON.stringify(
        result.ok
          ? { ok: true, chain: result.chain.map(describe), ...(result.policy && { policy: result.policy }) }
          : {
              ok: false,
              code: result.code,
              message: result.message,
              ...(result.depth !== undefined && { depth: result.depth }),
              ...(result.subject !== undefined && { subject: result.subject }),
            },
      ),
    );
    return;
  }
  if (!result.ok) {
    io.out(`FAILED ${result.code}: ${result.message}`);
    return;
  }
  io.out(`OK: a valid chain of ${result.chain.length} certificate${result.chain.length === 1 ? '' : 's'}`);
  const last = result.chain.length - 1;
  result.chain.forEach((certificate, depth) => {
    const role = depth === last ? 'anchor' : depth === 0 ? 'leaf' : 'intermediate';
    io.out(`  ${depth} ${role.padEnd(12)} ${formatName(certificate.subject) || '(empty subject)'}`);
    io.out(`    sha256:${certificate.fingerprint}`);
  });
}

/**
 * `keyline verify`: builds and validates the path of a leaf certificate to the trust anchors
 * (RFC 5280 section 6, through verifyChain). Exit 0 with the chain when valid, 1 with the reason
 * code and message when not, 2 for bad usage or files that cannot be read or decoded.
 */
export const registerVerify: CommandRegistrar = (program: Command, io: CliIo, setExitCode) => {
  program
    .command('verify')
    .description('validate a certificate chain (RFC 5280 path building and validation)')
    .argument(
      '<leaf.pem>',
      'the certificate to validate (PEM or DER; further certificates in it join the untrusted pool)',
    )
    .requiredOption('--trust <anchors.pem>', 'trust anchors (PEM, several allowed, or DER)')
    .option('--untrusted <intermediates.pem>', 'untrusted intermediate certificates (repeatable)', collect)
    .option('--crl <file>', 'a CRL, PEM or DER (repeatable); with CRLs every certificate must be covered', collect)
    .option('--at <time>', 'validation time, ISO 8601 with offset (default: now)')
    .addOption(
      new Option('--purpose <purpose>', 'what the leaf is for')
        .choices(['clientAuth', 'serverAuth', 'any'])
        .default('any'),
    )
    .addOption(
      new Option('--profile <profile>', 'also check the ecosystem policy')
        .choices(['ecosystem', 'none'])
        .default('none'),
    )
    .option('--json', 'print the result as JSON')
    .action(async (leafPath: string, flags: VerifyFlags) => {
      const time = flags.at === undefined ? undefined : validationTime(flags.at);
      const leaf = decodeFile(leafPath, 'leaf', certificatesFrom);
      const trustAnchors = decodeFile(flags.trust, 'trust anchors', certificatesFrom);
      const intermediates = (flags.untrusted ?? []).flatMap((path) => decodeFile(path, 'untrusted', certificatesFrom));
      const crls = (flags.crl ?? []).flatMap((path) => decodeFile(path, 'CRL', crlsFrom));
      const result = await verifyChain({
        leaf: leaf[0]!,
        intermediates: [...leaf.slice(1), ...intermediates],
        trustAnchors,
        ...(crls.length > 0 && { crls }),
        ...(time !== undefined && { time }),
        purpose: flags.purpose,
        profile: flags.profile,
      });
      report(io, result, flags.json === true);
      setExitCode(result.ok ? ExitCode.OK : ExitCode.NEGATIVE);
    });
};
