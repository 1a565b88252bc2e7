import cluster, { type Worker } from 'node:cluster';
import { KeylineError, type Clock } from '@keyline/core';
import type { Logger } from 'pino';
import type { CertificateAuthority } from '../../ca/authority.js';
import { SYSTEM_ACTOR, type CertificateAuthorityService } from '../../ca/service-port.js';
import type { Store } from '../../ca/store-port.js';
import { createMetrics, type ServerMetrics } from '../../server/index.js';
import { answerMetricRequests, createWorkerMetrics } from '../../server/observability/worker-metrics.js';
import { createOcspListener } from '../../server/ocsp/listener.js';

/**
 * `keyline serve --ocsp-port <p> --ocsp-workers <n>`: the dedicated OCSP listener served by n
 * worker processes (node:cluster; the primary holds the listening socket and hands connections to
 * the workers), so OCSP uses every core, as an operator runs a responder. Each worker is the same
 * `keyline serve` command, started by the primary with KEYLINE_OCSP_WORKER=1: it opens the store,
 * keys and CA service of its own and serves OCSP only (no REST API, no CRL refresh: the primary
 * does those). Each worker's responder keeps its own cache of pre-signed responses and follows
 * revocations made elsewhere through the store (as it follows `keyline revoke` of the CLI).
 *
 * Metrics: each worker counts into a registry of its own (the server metrics only, no process
 * metrics) and answers the primary's requests for it over the cluster IPC channel
 * (server/observability/worker-metrics.ts). The primary's /metrics adds the workers' counters and
 * histograms into its own (keyline_http_requests_total, keyline_ocsp_responses_total, ...); a
 * worker that does not answer within a second counts with its last answer, and a worker that died
 * keeps counting with its last answer, so the sums never go down.
 */
export const OCSP_WORKER_ENV = 'KEYLINE_OCSP_WORKER';

interface ListeningMessage {
  readonly type: 'keyline-ocsp-listening';
  readonly port: number;
}

const isListening = (message: unknown): message is ListeningMessage =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === 'keyline-ocsp-listening' &&
  typeof (message as { port?: unknown }).port === 'number';

/** Whether this process is an OCSP worker started by `startOcspWorkers`. */
export function isOcspWorker(): boolean {
  return cluster.isWorker && process.env[OCSP_WORKER_ENV] === '1';
}

/** The OCSP workers, once all listen. */
export interface OcspWorkers {
  readonly port: number;
  readonly count: number;
  /** Disconnects the workers (each finishes its answers in flight and closes) and waits for them. */
  stop(): Promise<void>;
}

/**
 * Before the workers start: every active or retired CA's OCSP signer made, or renewed when due, here in the
 * primary, one CA after another. Otherwise the workers (and the primary's own /ocsp route) would
 * all meet a CA without a signer at their first requests and each make one; the store's
 * compare-and-set keeps one of them and revokes the others (ocsp-signer.ts), but none is made here.
 * A CA whose signer cannot be made now (no passphrase, a key elsewhere) is logged and left to the
 * first request, as without workers.
 */
export async function prepareOcspSigners(
  ca: Pick<CertificateAuthority, 'ensureOcspSigner'>,
  store: Store,
  logger: Logger,
): Promise<void> {
  for (const record of await store.cas.list()) {
    // Retired CAs too: they still answer for the certificates they issued.
    if (record.status === 'pending' || record.certificateDer === null) continue;
    try {
      const after = await ca.ensureOcspSigner(record.id, SYSTEM_ACTOR);
      const before = record.ocspSignerDer;
      if (before === null || Buffer.compare(before, after.ocspSignerDer!) !== 0) {
        logger.info({ caId: record.id }, 'OCSP signer made before starting the OCSP workers');
      }
    } catch (error) {
      logger.warn(
        { caId: record.id, err: error instanceof KeylineError ? error.toJSON() : String(error) },
        'OCSP signer not made before starting the OCSP workers: the first request makes it',
      );
    }
  }
}

/**
 * Starts `count` workers listening on `port` (0: one free port, the same for all) and resolves
 * once all listen. A worker that dies later is replaced (and logged); one that cannot start fails
 * the whole start (ERR_SERVER_LISTEN). With `metrics` (the primary's), its /metrics adds the
 * workers' metrics in.
 */
export async function startOcspWorkers(
  count: number,
  host: string,
  port: number,
  logger: Logger,
  metrics?: ServerMetrics,
): Promise<OcspWorkers> {
  let stopping = false;
  const workers = new Set<Worker>();
  let boundPort = port;
  const workerMetrics = createWorkerMetrics({
    onSilent: (peer) =>
      logger.warn(
        { pid: (peer as Worker).process.pid },
        'OCSP worker did not answer the metrics request in time: /metrics shows its last answer',
      ),
  });
  metrics?.addSource(() => workerMetrics.collect());

  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [OCSP_WORKER_ENV]: '1' });
      workers.add(worker);
      let listening = false;
      worker.on('message', (message: unknown) => {
        if (!isListening(message)) return;
        listening = true;
        // It answers metrics requests from before it listens (runOcspWorker).
        workerMetrics.track(worker);
        resolve(message.port);
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        if (!listening) {
          reject(
            new KeylineError('ERR_SERVER_LISTEN', `an OCSP worker could not start (exit ${code ?? signal})`, {
              host,
              port,
            }),
          );
          return;
        }
        if (stopping) return;
        logger.error({ pid: worker.process.pid, code, signal }, 'OCSP worker died: starting another');
        fork().catch((error: unknown) => logger.error({ err: error }, 'OCSP worker could not be replaced'));
      });
    });

  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const force = setTimeout(() => worker.kill('SIGKILL'), 10_000);
            worker.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            // A worker that already let go (a terminal's Ctrl-C reaches the workers too) just exits.
            if (worker.isConnected()) worker.disconnect();
          }),
      ),
    );
  };

  try {
    // The primary binds the port once (port 0: a free one) and every worker shares it.
    const ports = await Promise.all(Array.from({ length: count }, () => fork()));
    boundPort = ports[0]!;
    if (ports.some((p) => p !== boundPort)) {
      throw new KeylineError('ERR_SERVER_LISTEN', `OCSP workers listen on different ports (${ports.join(', ')})`, {
        host,
        port,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port: boundPort, count, stop };
}

/**
 * The body of an OCSP worker: the listener over this process's CA service until the primary
 * disconnects (or SIGTERM/SIGINT), then it finishes its answers in flight and closes.
 */
export async function runOcspWorker(
  ca: CertificateAuthorityService,
  clock: Clock,
  options: { readonly host: string; readonly port: number; readonly maxBodyBytes: number },
  logger: Logger,
): Promise<void> {
  // No process metrics: the primary's are the ones /metrics shows (it leaves the workers' out).
  const metrics = createMetrics();
  const stopAnswering = answerMetricRequests(metrics.registry);
  const listener = createOcspListener({
    ca,
    clock,
    metrics,
    logger,
    maxBodyBytes: options.maxBodyBytes,
  });
  const port = await listener.listen(options.port, options.host);
  const stopped = new Promise<void>((resolve) => {
    process.once('disconnect', () => resolve());
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  process.send?.({ type: 'keyline-ocsp-listening', port } satisfies ListeningMessage);
  await stopped;
  await listener.close();
  stopAnswering();
}
