/**
 * The Keyline server (issue 3, section 4): REST API, EST, OCSP, CRLs, metrics and health over
 * Fastify. `keyline serve` (cli/commands/serve.ts) runs it.
 */
export { createServer, DEFAULT_BODY_LIMIT } from './create-server.js';
export type { ServerOptions, ServerTlsOptions, EstProfile } from './options.js';
export { createMetrics, type ServerMetrics } from './observability/metrics.js';
export { hashTokenSecret, newTokenSecret, TOKEN_PREFIX } from './auth/token-secret.js';
export { mappingFor, problemType, type ErrorMapping } from './problems/table.js';
export { loadOrCreateServerTls, type ServerTlsFiles } from './tls/server-certificate.js';
export * from './mtls/index.js';
