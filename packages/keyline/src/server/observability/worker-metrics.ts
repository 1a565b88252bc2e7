import type { Registry } from 'prom-client';
import { familiesOf, isMetricFamilies, sumFamilies, type MetricFamily } from './metric-families.js';

/**
 * The metrics of worker processes (the OCSP workers of `keyline serve --ocsp-workers`) fetched by
 * the primary over the cluster IPC channel, for its /metrics. prom-client's AggregatorRegistry does
 * not fit: its request fails whole after 5 s when one worker does not answer, and it waits forever
 * for a worker that died after the request was sent. Here each worker has its own short timeout, and
 * the primary keeps what it last heard from each:
 *
 * - a worker that answers: its families now;
 * - a worker that does not answer in time, or cannot be asked: its last answer (counters stay
 *   monotonic: a sum that dropped for one scrape would read as a counter reset to Prometheus);
 * - a worker that exited: its last answer is kept, added into the "retired" sum, so the counters
 *   of a replaced worker do not vanish from the total (what it counted after its last answer is lost).
 */

const REQUEST = 'keyline-metrics-request';
const ANSWER = 'keyline-metrics-answer';

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}

interface MetricsAnswer {
  readonly type: typeof ANSWER;
  readonly id: number;
  /** null when the worker could not read its registry. */
  readonly families: unknown;
}

const isRequest = (message: unknown): message is MetricsRequest =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === REQUEST &&
  typeof (message as { id?: unknown }).id === 'number';

const isAnswer = (message: unknown): message is MetricsAnswer =>
  typeof message === 'object' &&
  message !== null &&
  (message as { type?: unknown }).type === ANSWER &&
  typeof (message as { id?: unknown }).id === 'number';

/** A worker's end of the IPC channel: `process` in a cluster worker. */
export interface MetricsChannel {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: MetricsAnswer, callback: (error: Error | null) => void): boolean;
}

/**
 * In a worker: answers the primary's metrics requests with the families of `registry`. Returns the
 * function that stops answering.
 */
export function answerMetricRequests(registry: Registry, channel: MetricsChannel = process): () => void {
  const reply = (id: number, families: unknown): void => {
    try {
      // With a callback, a channel closed meanwhile is an ignored error, not an 'error' event on process.
      channel.send?.({ type: ANSWER, id, families }, () => undefined);
    } catch {
      // The primary is gone: nobody waits for the answer.
    }
  };
  const onMessage = (message: unknown): void => {
    if (!isRequest(message)) return;
    familiesOf(registry).then(
      (families) => reply(message.id, families),
      () => reply(message.id, null),
    );
  };
  channel.on('message', onMessage);
  return () => {
    channel.off('message', onMessage);
  };
}

/** The primary's handle on a worker: node:cluster's `Worker` fits. */
export interface MetricsPeer {
  isConnected(): boolean;
  send(message: MetricsRequest, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
}

/** The primary's side: the workers it asks and what it last heard from them. */
export interface WorkerMetrics {
  /** Asks `peer` from now on (call once it answers requests: asking earlier only waits out the timeout). */
  track(peer: MetricsPeer): void;
  /**
   * Asks every tracked worker, each within the timeout, and resolves with one snapshot per worker
   * (fresh or last known) and one of the retired workers' sum, never waiting longer than the timeout.
   */
  collect(): Promise<MetricFamily[][]>;
}

export interface WorkerMetricsOptions {
  /** How long one worker has to answer; default 1 s (a worker answers from memory in a millisecond). */
  readonly timeoutMs?: number;
  /** Told of a worker that did not answer in time (its last answer is used). */
  readonly onSilent?: (peer: MetricsPeer) => void;
}

interface PeerState {
  latest: MetricFamily[] | undefined;
  /** Requests waiting for this worker's answer, by request id. */
  readonly waiting: Map<number, (families: MetricFamily[] | undefined) => void>;
}

export function createWorkerMetrics(options: WorkerMetricsOptions = {}): WorkerMetrics {
  const timeoutMs = options.timeoutMs ?? 1000;
  const peers = new Map<MetricsPeer, PeerState>();
  let retired: MetricFamily[] = [];
  let nextId = 1;

  const ask = (peer: MetricsPeer, state: PeerState, id: number): Promise<void> =>
    new Promise((resolve) => {
      if (!peer.isConnected()) return resolve();
      let done = false;
      // Every path to finish runs after this line (a timer, a message, the send's callback or throw).
      const timer = setTimeout(() => finish(undefined, true), timeoutMs);
      timer.unref();
      const finish = (families: MetricFamily[] | undefined, silent: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        state.waiting.delete(id);
        if (families !== undefined) state.latest = families;
        if (silent) options.onSilent?.(peer);
        resolve();
      };
      state.waiting.set(id, (families) => finish(families, false));
      try {
        peer.send({ type: REQUEST, id }, (error) => {
          if (error !== null) finish(undefined, false);
        });
      } catch {
        finish(undefined, false);
      }
    });

  return {
    track(peer) {
      if (peers.has(peer)) return;
      const state: PeerState = { latest: undefined, waiting: new Map() };
      peers.set(peer, state);
      peer.on('message', (message) => {
        if (!isAnswer(message)) return;
        // An answer after its request timed out finds no one waiting and is dropped.
        state.waiting.get(message.id)?.(isMetricFamilies(message.families) ? message.families : undefined);
      });
      peer.once('exit', () => {
        peers.delete(peer);
        if (state.latest !== undefined) retired = sumFamilies([retired, state.latest]);
        for (const wake of [...state.waiting.values()]) wake(undefined);
      });
    },

    async collect() {
      const id = nextId++;
      await Promise.all([...peers].map(([peer, state]) => ask(peer, state, id)));
      // Each worker is in exactly one place: the retired sum (it exited) or its own snapshot.
      const live = [...peers.values()].flatMap((state) => (state.latest === undefined ? [] : [state.latest]));
      return [retired, ...live];
    },
  };
}
