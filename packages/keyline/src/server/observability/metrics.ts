import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
}

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics === true) collectDefaultMetrics({ register: registry, prefix: 'keyline_' });
  return {
    registry,
    requests: new Counter({
      name: 'keyline_http_requests_total',
      help: 'HTTP requests answered, by method, route and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'keyline_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
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
