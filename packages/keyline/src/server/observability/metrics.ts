import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { addInto, familiesOf, renderFamilies, type MetricFamily } from './metric-families.js';

/** Snapshots of other processes' metrics (the OCSP workers': worker-metrics.ts). */
export type MetricsSource = () => Promise<readonly (readonly MetricFamily[])[]>;

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several servers in one process (tests) do not collide.
 */
export interface ServerMetrics {
  readonly registry: Registry;
  /** Requests by method, route pattern (never the raw URL: bounded cardinality) and status. */
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  /** Certificates issued through this server (EST and API), new ones only. */
  readonly issued: Counter<'ca' | 'profile' | 'via'>;
  readonly revoked: Counter<'ca' | 'reason'>;
  /** OCSP answers by responseStatus and, for successful ones, the first certStatus. */
  readonly ocspResponses: Counter<'status' | 'cert_status'>;
  readonly crlsGenerated: Counter<'ca'>;
  /**
   * Adds the metrics of other processes running the same server metrics (`keyline serve
   * --ocsp-workers`): /metrics then shows, for each counter and histogram above, this process's
   * samples plus theirs. Their other families (a worker's process metrics) are left out.
   */
  addSource(source: MetricsSource): void;
  /**
   * Registers a function that adds counts a hot path keeps on its own (the OCSP listener's cache
   * hits: ocsp/answer-tally.ts) into `requests`, `latency` and `ocspResponses`; it runs whenever
   * one of those is read (/metrics, snapshots, `get()`), so what is read is always complete.
   */
  onCollect(flush: () => void): void;
  /**
   * The text /metrics answers: `registry.metrics()` when no source was added; otherwise the same
   * families, the counters and histograms above with the sources' samples added in.
   */
  exposition(): Promise<string>;
}

/** The upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry, prefix: 'keyline_' });
  const defaults = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
  const sources: MetricsSource[] = [];
  // The server's own families (every one below): the only ones another process's samples are added to.
  const isServerMetric = (name: string): boolean => !defaults.has(name);
  const flushes: (() => void)[] = [];
  // prom-client calls a metric's `collect` before reading it.
  const collect = (): void => {
    for (const flush of flushes) flush();
  };
  return {
    registry,
    addSource: (source) => {
      sources.push(source);
    },
    onCollect: (flush) => {
      flushes.push(flush);
    },
    exposition: async () => {
      if (sources.length === 0) return registry.metrics();
      const [own, ...others] = await Promise.all([familiesOf(registry), ...sources.map((source) => source())]);
      return renderFamilies(addInto(own!, others.flat(), isServerMetric));
    },
    requests: new Counter({
      name: 'keyline_http_requests_total',
      help: 'HTTP requests answered, by method, route and status code',
      labelNames: ['method', 'route', 'status'],
      collect,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'keyline_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route',
      labelNames: ['method', 'route'],
      collect,
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    }),
    issued: new Counter({
      name: 'keyline_certificates_issued_total',
      help: 'Certificates issued through the server, by CA, profile and interface (api, est)',
      labelNames: ['ca', 'profile', 'via'],
      registers: [registry],
    }),
    revoked: new Counter({
      name: 'keyline_certificates_revoked_total',
      help: 'Certificates revoked through the server, by CA and reason',
      labelNames: ['ca', 'reason'],
      registers: [registry],
    }),
    ocspResponses: new Counter({
      name: 'keyline_ocsp_responses_total',
      help: 'OCSP responses, by response status and (for successful responses) certificate status',
      labelNames: ['status', 'cert_status'],
      collect,
      registers: [registry],
    }),
    crlsGenerated: new Counter({
      name: 'keyline_crls_generated_total',
      help: 'CRLs the server had the CA sign because the latest one was stale or missing',
      labelNames: ['ca'],
      registers: [registry],
    }),
  };
}
