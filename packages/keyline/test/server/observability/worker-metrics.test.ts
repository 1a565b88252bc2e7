import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/server/observability/metrics.js';
import type { MetricFamily } from '../../../src/server/observability/metric-families.js';
import {
  answerMetricRequests,
  createWorkerMetrics,
  type MetricsChannel,
  type MetricsPeer,
} from '../../../src/server/observability/worker-metrics.js';

type Behaviour = 'answer' | 'silent' | 'send-fails' | 'send-throws' | 'exits';

/**
 * A worker as the primary sees it (node:cluster's Worker): the real worker side
 * (answerMetricRequests) behind an in-memory channel, or a worker that misbehaves.
 */
class FakeWorker extends EventEmitter implements MetricsPeer {
  readonly metrics = createMetrics();
  connected = true;
  behaviour: Behaviour;
  /** Requests received and not answered (silent), to answer late. */
  readonly held: unknown[] = [];
  private readonly side = new EventEmitter();

  constructor(behaviour: Behaviour) {
    super();
    this.behaviour = behaviour;
    const channel: MetricsChannel = {
      on: (event, listener) => this.side.on(event, listener),
      off: (event, listener) => this.side.off(event, listener),
      send: (message, callback) => {
        // As over the IPC channel: a copy in JSON (prom-client's families share its live values).
        const copy: unknown = JSON.parse(JSON.stringify(message));
        setImmediate(() => {
          this.emit('message', copy);
          callback(null);
        });
        return true;
      },
    };
    answerMetricRequests(this.metrics.registry, channel);
  }

  isConnected(): boolean {
    return this.connected;
  }

  send(message: unknown, callback: (error: Error | null) => void): boolean {
    switch (this.behaviour) {
      case 'answer':
        setImmediate(() => {
          this.side.emit('message', message);
          callback(null);
        });
        break;
      case 'silent':
        this.held.push(message);
        setImmediate(() => callback(null));
        break;
      case 'send-fails':
        setImmediate(() => callback(new Error('ERR_IPC_CHANNEL_CLOSED')));
        break;
      case 'send-throws':
        throw new Error('channel closed');
      case 'exits':
        setImmediate(() => this.exit());
        break;
    }
    return true;
  }

  answerLate(): void {
    for (const message of this.held.splice(0)) this.side.emit('message', message);
  }

  exit(): void {
    this.connected = false;
    this.emit('exit', 1, null);
  }
}

const ocspGood = { status: 'successful', cert_status: 'good' };

/** The sum of keyline_ocsp_responses_total{good} over snapshots. */
const goodAnswers = (snapshots: readonly (readonly MetricFamily[])[]): number =>
  snapshots
    .flat()
    .filter((f) => f.name === 'keyline_ocsp_responses_total')
    .flatMap((f) => f.values)
    .filter((v) => v.labels['status'] === 'successful' && v.labels['cert_status'] === 'good')
    .reduce((sum, v) => sum + v.value, 0);

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('createWorkerMetrics', () => {
  it('collects every answering worker', async () => {
    const workers = [new FakeWorker('answer'), new FakeWorker('answer')];
    workers[0]!.metrics.ocspResponses.inc(ocspGood, 3);
    workers[1]!.metrics.ocspResponses.inc(ocspGood, 4);
    const collector = createWorkerMetrics({ timeoutMs: 1000 });
    for (const w of workers) collector.track(w);
    expect(goodAnswers(await collector.collect())).toBe(7);
    workers[1]!.metrics.ocspResponses.inc(ocspGood);
    expect(goodAnswers(await collector.collect())).toBe(8);
  });

  it('answers within the timeout whatever the workers do, with their last answers', async () => {
    const workers = (['answer', 'answer', 'answer', 'answer', 'answer'] as const).map((b) => new FakeWorker(b));
    workers.forEach((w, i) => w.metrics.ocspResponses.inc(ocspGood, 10 ** i));
    const silent: MetricsPeer[] = [];
    const collector = createWorkerMetrics({ timeoutMs: 100, onSilent: (peer) => silent.push(peer) });
    for (const w of workers) collector.track(w);
    expect(goodAnswers(await collector.collect())).toBe(11111);

    // Each worker counts once more, then: one goes silent, one's channel fails, one's send throws,
    // one is no longer connected (dying) and one answers.
    workers.forEach((w, i) => w.metrics.ocspResponses.inc(ocspGood, 10 ** i));
    workers[0]!.behaviour = 'silent';
    workers[1]!.behaviour = 'send-fails';
    workers[2]!.behaviour = 'send-throws';
    workers[3]!.connected = false;
    const started = performance.now();
    const snapshots = await collector.collect();
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(90);
    expect(took).toBeLessThan(1000);
    // The fresh answer of the last one (2 × 10000), the last answers of the others (1 each).
    expect(goodAnswers(snapshots)).toBe(20000 + 1111);
    expect(silent).toEqual([workers[0]]);

    // The silent one's late answer (to a request that timed out) is dropped: still its answer before.
    workers[0]!.answerLate();
    await settle();
    workers[3]!.connected = true;
    expect(goodAnswers(await collector.collect())).toBe(1 + 10 + 100 + 2000 + 20000);
    expect(silent).toEqual([workers[0], workers[0]]);
    workers[0]!.behaviour = 'answer';
    expect(goodAnswers(await collector.collect())).toBe(2 + 10 + 100 + 2000 + 20000);
  });

  it('with no worker, or none connected, resolves at once', async () => {
    expect(await createWorkerMetrics().collect()).toEqual([[]]);
    const collector = createWorkerMetrics({ timeoutMs: 60_000 });
    const gone = new FakeWorker('answer');
    gone.connected = false;
    collector.track(gone);
    expect(goodAnswers(await collector.collect())).toBe(0);
  });

  it('keeps the counts of a worker that exited (replaced) once, and does not wait for one exiting', async () => {
    const first = new FakeWorker('answer');
    const other = new FakeWorker('answer');
    first.metrics.ocspResponses.inc(ocspGood, 5);
    other.metrics.ocspResponses.inc(ocspGood, 7);
    const collector = createWorkerMetrics({ timeoutMs: 60_000 });
    collector.track(first);
    collector.track(other);
    expect(goodAnswers(await collector.collect())).toBe(12);

    first.exit();
    const replacement = new FakeWorker('answer');
    replacement.metrics.ocspResponses.inc(ocspGood, 1);
    collector.track(replacement);
    expect(goodAnswers(await collector.collect())).toBe(13);

    // A worker that exits while it is being asked: the request ends at its exit, not at the timeout.
    other.metrics.ocspResponses.inc(ocspGood, 100);
    other.behaviour = 'exits';
    const started = performance.now();
    expect(goodAnswers(await collector.collect())).toBe(13);
    expect(performance.now() - started).toBeLessThan(1000);
    // Both exited workers stay in the sum, each once.
    expect(goodAnswers(await collector.collect())).toBe(13);
  });

  it('counts a worker whose answer is malformed with its last answer', async () => {
    const worker = new FakeWorker('answer');
    worker.metrics.ocspResponses.inc(ocspGood, 2);
    const collector = createWorkerMetrics({ timeoutMs: 60_000 });
    collector.track(worker);
    expect(goodAnswers(await collector.collect())).toBe(2);
    worker.metrics.ocspResponses.inc(ocspGood, 2);
    const send = worker.send.bind(worker);
    worker.send = (message, callback) => {
      const { id } = message as { id: number };
      setImmediate(() => worker.emit('message', { type: 'keyline-metrics-answer', id, families: [{ name: 1 }] }));
      return send(message, callback);
    };
    expect(goodAnswers(await collector.collect())).toBe(2);
  });
});

describe('answerMetricRequests', () => {
  it('answers requests with the registry, ignores other messages, and stops when told', async () => {
    const metrics = createMetrics();
    metrics.ocspResponses.inc(ocspGood, 3);
    const side = new EventEmitter();
    const sent: unknown[] = [];
    const channel: MetricsChannel = {
      on: (event, listener) => side.on(event, listener),
      off: (event, listener) => side.off(event, listener),
      send: (message, callback) => {
        sent.push(message);
        callback(null);
        return true;
      },
    };
    const stop = answerMetricRequests(metrics.registry, channel);
    side.emit('message', { type: 'keyline-ocsp-listening', port: 1 });
    side.emit('message', { type: 'keyline-metrics-request', id: 'x' });
    side.emit('message', { type: 'keyline-metrics-request', id: 7 });
    await settle();
    expect(sent).toHaveLength(1);
    const answer = sent[0] as { type: string; id: number; families: MetricFamily[] };
    expect(answer).toMatchObject({ type: 'keyline-metrics-answer', id: 7 });
    expect(goodAnswers([answer.families])).toBe(3);
    stop();
    side.emit('message', { type: 'keyline-metrics-request', id: 8 });
    await settle();
    expect(sent).toHaveLength(1);
  });

  it('survives a channel that is closed (send throws) or has no send', async () => {
    const side = new EventEmitter();
    const closed: MetricsChannel = {
      on: (event, listener) => side.on(event, listener),
      off: (event, listener) => side.off(event, listener),
      send: () => {
        throw new Error('ERR_IPC_CHANNEL_CLOSED');
      },
    };
    answerMetricRequests(createMetrics().registry, closed);
    answerMetricRequests(createMetrics().registry, { on: closed.on, off: closed.off });
    side.emit('message', { type: 'keyline-metrics-request', id: 1 });
    await settle();
  });
});
