import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { fail, type Signer } from '@keyline/core';
import { appendAudit, auditKeyId, writeCheckpoint } from '../../audit/index.js';
import type { ApiTokenRecord } from '../../ca/records.js';
import type { Store } from '../../ca/store-port.js';
import { fileKeyPath, parseKeyUri } from '../../keys/index.js';
import { hashTokenSecret, newTokenSecret } from '../../server/auth/token-secret.js';
import { AUDIT_KEY_URI, auditPublicKeyPath, auditPublicKeyPem } from '../../audit/deployment-key.js';
import { withNewStore, type CliContext } from '../context.js';
import { writeOutputFile } from '../files.js';
import type { CliIo } from '../io.js';
import type { CommandRegistrar } from './index.js';

/** What makes a database "in use": anything a previous init or a later command wrote. */
async function contents(store: Store): Promise<{ cas: number; tokens: number; auditEntries: number }> {
  const [cas, tokens, auditEntries] = await Promise.all([
    store.cas.list().then((l) => l.length),
    store.tokens.list().then((l) => l.length),
    store.audit.count(),
  ]);
  return { cas, tokens, auditEntries };
}

/**
 * The audit key: made now, or, when an earlier `init` stopped after making it but before writing
 * the database (the database is empty, the key file is there), opened and used again so that no
 * second key file is left behind.
 */
async function auditSigner(ctx: CliContext): Promise<Signer> {
  const uri = parseKeyUri(AUDIT_KEY_URI);
  if (uri.scheme === 'file' && existsSync(fileKeyPath(uri, ctx.location.dataDir)))
    return ctx.keys().open(AUDIT_KEY_URI);
  return (await ctx.keys().generate({ keyUri: AUDIT_KEY_URI, curve: 'P-256', label: 'audit' })).signer;
}

/**
 * `keyline init`: creates the data directory and the database (schema by migrations), the audit
 * key (an encrypted file key in the data directory; its public key next to it in clear), and an
 * admin API token, printed once: only its SHA-256 is stored. The first audit entry records the
 * installation and is followed by a checkpoint signed by the audit key.
 *
 * A database that already holds anything is refused (exit 1) and left as it is.
 */
export const registerInit: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('init')
    .description('create the data directory and the database, the audit key, and an admin API token (printed once)')
    .action(async (_flags: unknown, command: Command) => {
      await withNewStore(command, io, async (ctx) => {
        const found = await contents(ctx.store);
        if (found.cas + found.tokens + found.auditEntries > 0) {
          fail(
            'ERR_CLI_ALREADY_INITIALISED',
            `${ctx.location.displayUrl} is in use (${found.cas} CAs, ${found.tokens} API tokens, ${found.auditEntries} audit ` +
              'entries) and was left unchanged: keep using it, or give another --data or --db to start a new installation',
            { db: ctx.location.displayUrl },
          );
        }
        const signer = await auditSigner(ctx);
        const publicKeyFile = auditPublicKeyPath(ctx.location.dataDir);
        writeOutputFile(publicKeyFile, auditPublicKeyPem(signer.publicKeySpki));

        const now = ctx.clock.now();
        const adminToken = newTokenSecret(ctx.random);
        const token: ApiTokenRecord = {
          id: `tok_${Buffer.from(ctx.random.bytes(10)).toString('hex')}`,
          name: 'admin (keyline init)',
          role: 'admin',
          manufacturerId: null,
          tokenHash: hashTokenSecret(adminToken),
          createdAt: now,
          revokedAt: null,
        };
        await ctx.store.transaction(async (tx) => {
          await tx.tokens.insert(token);
          await appendAudit(
            tx,
            {
              actor: ctx.actor.id,
              action: 'keyline.init',
              target: 'keyline',
              details: {
                adminTokenId: token.id,
                auditKeyUri: AUDIT_KEY_URI,
                auditKeyId: auditKeyId(signer.publicKeySpki),
                engine: ctx.store.engine,
              },
            },
            ctx.clock,
          );
          // A signed checkpoint from the first entry on: the log is attested before anything else happens.
          await writeCheckpoint(tx, signer, ctx.clock, { actor: ctx.actor.id });
        });

        if (ctx.out.json) {
          ctx.out.data({
            dataDir: ctx.location.dataDir,
            db: ctx.location.displayUrl,
            adminToken,
            adminTokenId: token.id,
            auditKeyUri: AUDIT_KEY_URI,
            auditPublicKey: publicKeyFile,
          });
          return;
        }
        ctx.out.line(`Keyline initialised in ${ctx.location.dataDir}`);
        ctx.out.fields([
          ['database', ctx.location.displayUrl],
          ['audit key', `${AUDIT_KEY_URI} (public key: ${publicKeyFile})`],
        ]);
        ctx.out.line('');
        ctx.out.line('Admin API token (shown only now; keep it in a password manager):');
        ctx.out.line(`  ${adminToken}`);
        ctx.out.note('Next: keyline root create --name "<root CA name>"');
      });
    });
};
