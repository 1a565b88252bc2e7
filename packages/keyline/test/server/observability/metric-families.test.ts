import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/server/observability/metrics.js';
import {
  addInto,
  familiesOf,
  isMetricFamilies,
  sumFamilies,
  type MetricFamily,
} from '../../../src/server/observability/metric-families.js';
import { sampleValue as sample } from './prometheus-text.js';

const counter = (name: string, values: MetricFamily['values']): MetricFamily => ({
  name,
  help: `${name} help`,
  type: 'counter',
  aggregator: 'sum',
  values,
});

describe('sumFamilies', () => {
  it('adds counters sample by sample, labels matched whatever their order', () => {
    const a = [counter('c', [{ value: 2, labels: { status: '200', route: '/x' } }])];
    const b = [
      counter('c', [
        { value: 3, labels: { route: '/x', status: '200' } },
        { value: 1, labels: { route: '/x', status: '404' } },
      ]),
    ];
    const [sum] = sumFamilies([a, b]);
    expect(sum!.values).toEqual([
      { value: 5, labels: { status: '200', route: '/x' } },
      { value: 1, labels: { route: '/x', status: '404' } },
    ]);
  });

  it('adds histograms bucket by bucket, sum and count', async () => {
    const one = createMetrics();
    const two = createMetrics();
    one.latency.observe({ method: 'POST', route: '/ocsp/:caId' }, 0.0002);
    two.latency.observe({ method: 'POST', route: '/ocsp/:caId' }, 0.0002);
    two.latency.observe({ method: 'POST', route: '/ocsp/:caId' }, 0.3);
    const [latency] = sumFamilies([
      (await familiesOf(one.registry)).filter((f) => f.name === 'keyline_http_request_duration_seconds'),
      (await familiesOf(two.registry)).filter((f) => f.name === 'keyline_http_request_duration_seconds'),
    ]);
    const of = (metricName: string, le?: number | string) =>
      latency!.values.find((v) => v.metricName === metricName && (le === undefined || v.labels['le'] === le))?.value;
    expect(of('keyline_http_request_duration_seconds_count')).toBe(3);
    expect(of('keyline_http_request_duration_seconds_sum')).toBeCloseTo(0.3004, 6);
    expect(of('keyline_http_request_duration_seconds_bucket', 0.0005)).toBe(2);
    expect(of('keyline_http_request_duration_seconds_bucket', 0.25)).toBe(2);
    expect(of('keyline_http_request_duration_seconds_bucket', 0.5)).toBe(3);
    expect(of('keyline_http_request_duration_seconds_bucket', '+Inf')).toBe(3);
  });

  it('leaves out gauges, summaries and a later family of the same name and another type', () => {
    const gauge: MetricFamily = { name: 'g', help: 'g', type: 'gauge', values: [{ value: 4, labels: {} }] };
    const clash: MetricFamily = { ...counter('c', []), type: 'histogram', values: [{ value: 9, labels: {} }] };
    const summed = sumFamilies([[gauge, counter('c', [{ value: 1, labels: {} }])], [clash]]);
    expect(summed).toHaveLength(1);
    expect(summed[0]!.values).toEqual([{ value: 1, labels: {} }]);
  });
});

describe('addInto', () => {
  it('adds the accepted summable families only; the others of own stay as they are', () => {
    const own = [
      counter('server_total', [{ value: 1, labels: { a: '1' } }]),
      counter('process_cpu_seconds_total', [{ value: 7, labels: {} }]),
      { name: 'heap', help: 'h', type: 'gauge', values: [{ value: 100, labels: {} }] },
    ];
    const worker = [
      counter('server_total', [{ value: 2, labels: { a: '1' } }]),
      counter('process_cpu_seconds_total', [{ value: 50, labels: {} }]),
      { name: 'heap', help: 'h', type: 'gauge', values: [{ value: 900, labels: {} }] },
      counter('only_in_worker_total', [{ value: 3, labels: {} }]),
    ];
    const merged = addInto(own, [worker, worker], (name) => name.startsWith('server_'));
    expect(merged.map((f) => f.name)).toEqual(['server_total', 'process_cpu_seconds_total', 'heap']);
    expect(merged[0]!.values).toEqual([{ value: 5, labels: { a: '1' } }]);
    expect(merged[1]).toBe(own[1]);
    expect(merged[2]).toBe(own[2]);
  });
});

describe('isMetricFamilies', () => {
  it('accepts what getMetricsAsJSON gives, after a JSON round trip; refuses other shapes', async () => {
    const metrics = createMetrics({ defaultMetrics: true });
    metrics.latency.observe({ method: 'GET', route: '/x' }, 0.1);
    expect(isMetricFamilies(JSON.parse(JSON.stringify(await familiesOf(metrics.registry))))).toBe(true);
    expect(isMetricFamilies(null)).toBe(false);
    expect(isMetricFamilies([{ name: 'x', help: 'x', type: 'counter' }])).toBe(false);
    expect(isMetricFamilies([{ name: 'x', help: 'x', type: 'counter', values: [{ value: null, labels: {} }] }])).toBe(
      false,
    );
    expect(isMetricFamilies([{ name: 'x', help: 'x', type: 'counter', values: [{ value: '1', labels: {} }] }])).toBe(
      false,
    );
  });
});

describe('ServerMetrics.exposition', () => {
  it('without a source, is the registry text itself', async () => {
    const metrics = createMetrics();
    metrics.requests.inc({ method: 'GET', route: '/healthz', status: '200' });
    metrics.latency.observe({ method: 'GET', route: '/healthz' }, 0.01);
    expect(await metrics.exposition()).toBe(await metrics.registry.metrics());
  });

  it("adds the sources' server metrics into the primary's; its process metrics stay its own", async () => {
    const primary = createMetrics({ defaultMetrics: true });
    primary.requests.inc({ method: 'GET', route: '/healthz', status: '200' });
    primary.ocspResponses.inc({ status: 'successful', cert_status: 'good' }, 2);
    // Workers as a worker would send them, one even with process metrics of its own.
    const workers = [createMetrics(), createMetrics({ defaultMetrics: true })];
    for (const [i, worker] of workers.entries()) {
      worker.requests.inc({ method: 'POST', route: '/ocsp/:caId', status: '200' }, 10 * (i + 1));
      worker.ocspResponses.inc({ status: 'successful', cert_status: 'good' }, 10 * (i + 1));
      worker.latency.observe({ method: 'POST', route: '/ocsp/:caId' }, 0.001);
    }
    const snapshots = await Promise.all(
      workers.map(async (w) => JSON.parse(JSON.stringify(await familiesOf(w.registry)))),
    );
    primary.addSource(() => Promise.resolve(snapshots));

    const text = await primary.exposition();
    const ocsp = { status: 'successful', cert_status: 'good' };
    expect(sample(text, 'keyline_ocsp_responses_total', ocsp)).toBe(32);
    expect(sample(text, 'keyline_http_requests_total', { method: 'POST', route: '/ocsp/:caId', status: '200' })).toBe(
      30,
    );
    expect(sample(text, 'keyline_http_requests_total', { method: 'GET', route: '/healthz', status: '200' })).toBe(1);
    const latency = { method: 'POST', route: '/ocsp/:caId' };
    expect(sample(text, 'keyline_http_request_duration_seconds_count', latency)).toBe(2);
    expect(sample(text, 'keyline_http_request_duration_seconds_bucket', { ...latency, le: '+Inf' })).toBe(2);
    // One family each, the primary's process metrics only (the worker's start time differs from it).
    expect(text.match(/^# TYPE keyline_ocsp_responses_total counter$/gm)).toHaveLength(1);
    expect(text.match(/^keyline_process_start_time_seconds /gm)).toHaveLength(1);
    const own = await primary.registry.metrics();
    expect(sample(text, 'keyline_process_start_time_seconds', {})).toBe(
      sample(own, 'keyline_process_start_time_seconds', {}),
    );
    // The registry itself still counts this process only.
    expect(sample(own, 'keyline_ocsp_responses_total', ocsp)).toBe(2);
  });
});
