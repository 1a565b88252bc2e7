import type { Command } from 'commander';
import { KeylineError, decodePem } from '@keyline/core';
import { auditKeyId, verifyAudit, type AuditAnchor, type AuditVerification } from '../../audit/index.js';
import { auditPublicKeyPath, readAuditPublicKey } from '../../audit/deployment-key.js';
import { withContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { readInputFile, type CliIo } from '../io.js';
import { parseInteger } from '../options.js';
import type { Output } from '../output.js';
import type { CommandRegistrar } from './index.js';

interface AuditVerifyFlags {
  readonly auditKey?: string;
  readonly anchor?: string;
  readonly batchSize?: string;
}

/** `--anchor <seq>:<hash>` as `keyline audit verify` prints it. */
function parseAnchor(value: string): AuditAnchor {
  const match = /^(\d{1,15}):(?:sha256:)?([0-9a-fA-F]{64})$/.exec(value.trim());
  const seq = match === null ? 0 : Number(match[1]);
  if (match === null || seq < 1) {
    throw new KeylineError(
      'ERR_CLI_BAD_OPTION',
      '--anchor must be <seq>:<hash> as keyline audit verify printed it (e.g. 120:9f86d0…, 64 hex digits)',
      { option: '--anchor' },
    );
  }
  return { seq, hash: match[2]!.toLowerCase() };
}

/** Audit public keys from a file: PEM (one or more PUBLIC KEY blocks) or one DER SubjectPublicKeyInfo. */
function readAuditKeyFile(path: string): Uint8Array[] {
  const bytes = new Uint8Array(readInputFile(path));
  const text = Buffer.from(bytes).toString('latin1');
  if (!text.includes('-----BEGIN ')) return [bytes];
  const keys = decodePem(text, 'PUBLIC KEY');
  if (keys.length === 0) {
    throw new KeylineError('ERR_PEM_MALFORMED', `${path} holds no PUBLIC KEY block: give the audit public key`, {
      path,
    });
  }
  return keys;
}

function report(
  out: Output,
  result: AuditVerification,
  keys: readonly Uint8Array[],
  keySource: string | undefined,
): void {
  if (out.json) {
    out.data(result.ok ? { ...result, auditKeyIds: keys.map(auditKeyId) } : result);
    return;
  }
  if (!result.ok) {
    out.line(`FAILED: ${result.message}`);
    out.note(`The audit log is not intact from entry ${result.seq} on; ${result.checked} entries before it are.`);
    return;
  }
  out.line(
    `OK: the audit log is intact: ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'}, ` +
      `${result.checkpoints} checkpoint${result.checkpoints === 1 ? '' : 's'}`,
  );
  out.fields([
    [
      'signatures',
      result.signaturesChecked
        ? `checked with ${keys.map((k) => `sha256:${auditKeyId(k)}`).join(', ')} (${keySource})`
        : 'NOT checked (no audit public key)',
    ],
    [
      'last checkpoint',
      result.lastCheckpointSeq === null
        ? 'none'
        : `entry ${result.lastCheckpointSeq}${
            result.lastSeq > result.lastCheckpointSeq
              ? ` (${result.lastSeq - result.lastCheckpointSeq} entries after it are not signed yet)`
              : ''
          }`,
    ],
    ['last entry', result.lastSeq === 0 ? 'none' : `${result.lastSeq}:${result.lastHash}`],
  ]);
  if (!result.signaturesChecked) {
    out.note('Checkpoint signatures were not checked: give the audit public key with --audit-key <file>.');
  }
  if (result.lastSeq > 0) {
    out.note(`Keep the last entry elsewhere and pass it later as --anchor ${result.lastSeq}:${result.lastHash}`);
  }
}

/**
 * `keyline audit verify`: checks the hash chain of the audit log and the signatures of its
 * checkpoints (docs/audit.md). Exit 0 when intact (entries and checkpoints counted), 1 when broken
 * (`entry 17 was changed: …`, the first entry changed, removed, inserted or reordered, or a bad
 * checkpoint), 2 for bad usage or an unreadable key file, 3 when the database fails.
 */
export const registerAudit: CommandRegistrar = (program: Command, io: CliIo, setExitCode) => {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('prove the audit log intact, or name the first entry changed, removed, inserted or reordered')
    .option(
      '--audit-key <file>',
      'audit public key(s), PEM or DER SubjectPublicKeyInfo (default: audit-key.pub.pem in the data directory)',
    )
    .option('--anchor <seq:hash>', 'an entry recorded earlier (as printed by this command): the log must still hold it')
    .option('--batch-size <n>', 'entries read at a time (1 to 100000; default 1000)')
    .action(async (flags: AuditVerifyFlags, command: Command) => {
      const anchor = flags.anchor === undefined ? undefined : parseAnchor(flags.anchor);
      const batchSize =
        flags.batchSize === undefined ? undefined : parseInteger('--batch-size', flags.batchSize, 1, 100_000);
      const given = flags.auditKey === undefined ? undefined : readAuditKeyFile(flags.auditKey);
      await withContext(command, io, async (ctx) => {
        const found = given ?? readAuditPublicKey(ctx.location.dataDir);
        const keys = found === undefined ? [] : Array.isArray(found) ? found : [found];
        const keySource = flags.auditKey ?? auditPublicKeyPath(ctx.location.dataDir);
        const result = await verifyAudit(ctx.store, {
          ...(keys.length > 0 && { auditPublicKeySpki: keys }),
          ...(anchor !== undefined && { anchor }),
          ...(batchSize !== undefined && { batchSize }),
        });
        report(ctx.out, result, keys, keySource);
        setExitCode(result.ok ? ExitCode.OK : ExitCode.NEGATIVE);
      });
    });
};
