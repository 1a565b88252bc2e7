import { isIP } from 'node:net';
import { Option, type Command } from 'commander';
import { KeylineError, isKeylineError } from '@keyline/core';
import { pino, type Logger } from 'pino';
import { createCertificateAuthority } from '../../ca/index.js';
import { createKeyProvider, passphraseFromOptions } from '../../keys/index.js';
import { createMetrics, createServer, loadOrCreateServerTls, type EstProfile } from '../../server/index.js';
import { createOcspListener, type OcspListener } from '../../server/ocsp/listener.js';
import {
  isOcspWorker,
  prepareOcspSigners,
  runOcspWorker,
  startOcspWorkers,
  type OcspWorkers,
} from './serve-ocsp-workers.js';
import { recoverAbandoned } from './recover.js';
import { AUDIT_KEY_URI, checkpointingAuditAppender } from '../../audit/deployment-key.js';
import { withContext, type CliContext } from '../context.js';
import type { CliIo } from '../io.js';
import { parseChoice, parseInteger } from '../options.js';
import type { CommandRegistrar } from './index.js';

interface ServeFlags {
  readonly host: string;
  readonly port: string;
  readonly tls?: boolean;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly estCa?: string;
  readonly estProfile: string;
  readonly publicUrl?: string;
  readonly logLevel: string;
  readonly bodyLimit: string;
  readonly ocspPort?: string;
  readonly ocspWorkers: string;
  readonly verifyThreads: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const EST_PROFILES: readonly EstProfile[] = ['device', 'ldevid'];

/** Resolves on the first of the signals, with its name. */
function firstSignal(signals: readonly NodeJS.Signals[]): { done: Promise<NodeJS.Signals>; dispose(): void } {
  let resolve!: (signal: NodeJS.Signals) => void;
  const done = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => resolve(signal);
  for (const s of signals) process.once(s, handler);
  return { done, dispose: () => signals.forEach((s) => process.removeListener(s, handler)) };
}

function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * `keyline serve`: runs the server (REST API, EST, OCSP, CRLs, /metrics, /healthz) over the data
 * directory's store until SIGTERM or SIGINT, then stops accepting, finishes the requests in flight,
 * closes the server, the CA service and the key provider, and last the store (withContext).
 *
 * Prints `listening on <url>` on stdout once it accepts connections (with --json, one JSON object);
 * logs go to stderr as JSON lines (pino). The server never prompts for a passphrase (requests would
 * wait on a terminal): give KEYLINE_PASSPHRASE or --passphrase-file for software CA keys.
 */
export const registerServe: CommandRegistrar = (program: Command, io: CliIo) => {
  program
    .command('serve')
    .description('run the server: REST API, EST, OCSP, CRLs, metrics (stops on SIGTERM/SIGINT)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', '8443')
    .option('--tls', 'serve HTTPS (self-signed certificate in <data>/tls/ unless --tls-cert/--tls-key)')
    .option('--tls-cert <file>', 'PEM certificate (chain) of the server, with --tls')
    .option('--tls-key <file>', 'PEM private key of the server, with --tls')
    .option(
      '--est-ca <ca>',
      'the CA (id or label) EST serves at /.well-known/est/ (default: the only active issuing CA)',
    )
    .addOption(
      new Option('--est-profile <profile>', 'profile of certificates enrolled through EST')
        .choices(EST_PROFILES)
        .default('device'),
    )
    .option('--public-url <url>', 'public base URL, written into new certificates as their CRL and OCSP locations')
    .addOption(new Option('--log-level <level>', 'log level (JSON logs on stderr)').choices(LOG_LEVELS).default('info'))
    .option('--body-limit <bytes>', 'largest request body accepted', '65536')
    .option(
      '--ocsp-port <port>',
      'also serve OCSP (only) over plain HTTP on this port, with a lean listener (0: any free port)',
    )
    .option('--ocsp-workers <n>', 'serve --ocsp-port from n worker processes (one per core; 0: in this process)', '0')
    .option(
      '--verify-threads <n>',
      'verify device tokens (POST /api/v1/verify) on n worker threads (0: on the event loop)',
      '0',
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const port = parseInteger('--port', flags.port, 0, 65535);
      const bodyLimit = parseInteger('--body-limit', flags.bodyLimit, 1024, 16 * 1024 * 1024);
      const ocspPort = flags.ocspPort === undefined ? undefined : parseInteger('--ocsp-port', flags.ocspPort, 0, 65535);
      const ocspWorkers = parseInteger('--ocsp-workers', flags.ocspWorkers, 0, 256);
      const verifyThreads = parseInteger('--verify-threads', flags.verifyThreads, 0, 64);
      if (ocspWorkers > 0 && ocspPort === undefined) {
        throw new KeylineError('ERR_CLI_BAD_OPTION', '--ocsp-workers needs --ocsp-port', { option: '--ocsp-workers' });
      }
      const estProfile = parseChoice('--est-profile', flags.estProfile, EST_PROFILES);
      if (flags.tls !== true && (flags.tlsCert !== undefined || flags.tlsKey !== undefined)) {
        throw new KeylineError('ERR_CLI_BAD_OPTION', '--tls-cert and --tls-key need --tls', { option: '--tls' });
      }
      const logger = pino({ level: flags.logLevel, base: { service: 'keyline' } }, pino.destination(2));
      if (isOcspWorker()) {
        // A worker process of --ocsp-workers: the same command, serving OCSP only.
        await withContext(command, io, (ctx) =>
          serveOcspWorker(ctx, flags, { port: ocspPort!, maxBodyBytes: ocspBodyLimit(bodyLimit) }, logger),
        );
        return;
      }
      await withContext(command, io, (ctx) =>
        serve(ctx, flags, { port, bodyLimit, estProfile, ocspPort, ocspWorkers, verifyThreads }, logger),
      );
    });
};

async function serve(
  ctx: CliContext,
  flags: ServeFlags,
  parsed: {
    readonly port: number;
    readonly bodyLimit: number;
    readonly estProfile: EstProfile;
    readonly ocspPort: number | undefined;
    readonly ocspWorkers: number;
    readonly verifyThreads: number;
  },
  logger: Logger,
): Promise<void> {
  const { passphrase, keys, audit, ca } = openAuthority(ctx, flags);
  const refresher = ca.crlRefresher({
    onError: (error, caId) =>
      logger.warn({ caId, err: isKeylineError(error) ? error.toJSON() : String(error) }, 'CRL refresh failed'),
    onCrl: (crl) => logger.info({ caId: crl.caId, number: crl.number.toString() }, 'CRL signed'),
  });
  try {
    await warnWithoutPassphrase(ctx, passphrase, logger);
    // Before serving: a retry under an abandoned record's request id then hears "failed", not "pending".
    await recoverAbandoned(ca, ctx.clock, logger);
    // Before anything answers OCSP (this process's /ocsp route included), so that nothing races for them.
    if (parsed.ocspPort !== undefined && parsed.ocspWorkers > 0) await prepareOcspSigners(ca, ctx.store, logger);
    const tls =
      flags.tls === true
        ? await loadOrCreateServerTls({
            dataDir: ctx.location.dataDir,
            host: flags.host,
            clock: ctx.clock,
            ...(flags.tlsCert === undefined ? {} : { certFile: flags.tlsCert }),
            ...(flags.tlsKey === undefined ? {} : { keyFile: flags.tlsKey }),
          })
        : undefined;
    const metrics = createMetrics({ defaultMetrics: true });
    const app = createServer({
      store: ctx.store,
      ca,
      clock: ctx.clock,
      random: ctx.random,
      logger,
      bodyLimit: parsed.bodyLimit,
      metrics,
      audit,
      verifyThreads: parsed.verifyThreads,
      est: { profile: parsed.estProfile, ...(flags.estCa === undefined ? {} : { defaultCa: flags.estCa }) },
      ...(tls === undefined ? {} : { tls: { key: tls.key, cert: tls.cert } }),
    });
    const signal = firstSignal(['SIGTERM', 'SIGINT']);
    let ocsp: OcspListener | undefined;
    let ocspWorkers: OcspWorkers | undefined;
    try {
      try {
        await app.listen({ host: flags.host, port: parsed.port });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException)?.code ?? 'unknown';
        throw new KeylineError('ERR_SERVER_LISTEN', `cannot listen on ${flags.host}:${parsed.port} (${code})`, {
          host: flags.host,
          port: parsed.port,
        });
      }
      const address = app.server.address();
      const boundPort = typeof address === 'object' && address !== null ? address.port : parsed.port;
      const url = `${tls === undefined ? 'http' : 'https'}://${urlHost(flags.host)}:${boundPort}`;
      let ocspUrl: string | undefined;
      if (parsed.ocspPort !== undefined && parsed.ocspWorkers > 0) {
        ocspWorkers = await startOcspWorkers(parsed.ocspWorkers, flags.host, parsed.ocspPort, logger, metrics);
        ocspUrl = `http://${urlHost(flags.host)}:${ocspWorkers.port}`;
      } else if (parsed.ocspPort !== undefined) {
        // OCSP is served over plain HTTP (RFC 6960 A.1, RFC 5019): responses are signed.
        const listener = createOcspListener({
          ca,
          clock: ctx.clock,
          metrics,
          logger,
          maxBodyBytes: ocspBodyLimit(parsed.bodyLimit),
        });
        ocsp = listener;
        try {
          const boundOcspPort = await listener.listen(parsed.ocspPort, flags.host);
          ocspUrl = `http://${urlHost(flags.host)}:${boundOcspPort}`;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException)?.code ?? 'unknown';
          throw new KeylineError(
            'ERR_SERVER_LISTEN',
            `cannot listen on ${flags.host}:${parsed.ocspPort} for OCSP (${code})`,
            { host: flags.host, port: parsed.ocspPort },
          );
        }
      }
      if (ctx.out.json) {
        ctx.out.data({
          listening: url,
          ...(ocspUrl === undefined ? {} : { ocspListening: ocspUrl }),
          ...(tls === undefined ? {} : { tlsCertificate: tls.certPath, tlsFingerprint: tls.fingerprint }),
        });
      } else {
        // The TLS note first: whoever waits for the `listening on` line finds it already written.
        if (tls !== undefined) {
          ctx.out.note(
            `TLS certificate ${tls.certPath}${tls.created ? ' (new, self-signed)' : ''}, SHA-256 ${tls.fingerprint}`,
          );
        }
        // Before the `listening on` line: whoever waits for that finds this one already written.
        if (ocspUrl !== undefined) {
          const where = ocspWorkers === undefined ? '' : `, ${ocspWorkers.count} worker processes`;
          ctx.out.line(`ocsp on ${ocspUrl} (OCSP only, at /ocsp/<ca-id>${where})`);
        }
        ctx.out.line(`listening on ${url}`);
      }
      refresher.start();
      const received = await signal.done;
      logger.info({ signal: received }, 'stopping');
    } finally {
      signal.dispose();
      await refresher.stop();
      await ocsp?.close();
      await ocspWorkers?.stop();
      await app.close();
    }
    ctx.out.note('stopped');
  } finally {
    ca.close();
    await keys.close();
  }
}

/** The OCSP listener's body limit: the server's, at most 64 KiB (an OCSP request is under 1 KiB). */
function ocspBodyLimit(bodyLimit: number): number {
  return Math.min(bodyLimit, 64 * 1024);
}

/** The key provider (never prompting: a prompt would stall requests behind a terminal) and the CA service. */
function openAuthority(ctx: CliContext, flags: ServeFlags) {
  const passphrase = passphraseFromOptions({
    ...(ctx.globals.passphraseFile === undefined ? {} : { passphraseFile: ctx.globals.passphraseFile }),
    env: process.env,
    prompt: false,
  });
  const keys = createKeyProvider({ dataDir: ctx.location.dataDir, passphrase, random: ctx.random });
  const audit = checkpointingAuditAppender(() => keys.open(AUDIT_KEY_URI));
  const ca = createCertificateAuthority({
    store: ctx.store,
    keys,
    clock: ctx.clock,
    random: ctx.random,
    audit,
    ...(flags.publicUrl === undefined ? {} : { options: { publicUrl: flags.publicUrl } }),
  });
  return { passphrase, keys, audit, ca };
}

/** An OCSP worker process (serve-ocsp-workers.ts): OCSP only, until the primary lets it go. */
async function serveOcspWorker(
  ctx: CliContext,
  flags: ServeFlags,
  options: { readonly port: number; readonly maxBodyBytes: number },
  logger: Logger,
): Promise<void> {
  const { keys, ca } = openAuthority(ctx, flags);
  try {
    await runOcspWorker(ca, ctx.clock, { host: flags.host, ...options }, logger);
  } finally {
    ca.close();
    await keys.close();
  }
}

/**
 * Says at start, not at the first request, when software CA keys exist but no passphrase was given
 * (the server will refuse to sign OCSP responses, CRLs and certificates with them).
 */
async function warnWithoutPassphrase(
  ctx: CliContext,
  passphrase: ReturnType<typeof passphraseFromOptions>,
  logger: Logger,
): Promise<void> {
  const cas = await ctx.store.cas.list();
  if (!cas.some((ca) => ca.keyUri.startsWith('file:'))) return;
  try {
    (await passphrase({ kind: 'passphrase', purpose: 'open', subject: 'startup check' })).fill(0);
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    const message =
      'no passphrase for the software CA keys (set KEYLINE_PASSPHRASE or --passphrase-file): signing will fail';
    logger.warn({ code: error.code }, message);
    ctx.out.note(`warning: ${message}`);
  }
}
