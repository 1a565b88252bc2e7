import { randomUUID } from 'node:crypto';
import { KeylineError, MemoryChallengeStore, systemRandom } from '@keyline/core';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { appendAudit } from '../audit/index.js';
import { authenticate } from './auth/authenticate.js';
import { CaDirectory } from './ca-directory.js';
import type { RouteConfig, ServerContext } from './context.js';
import { CrlPublisher } from './crl-publisher.js';
import { registerBodyParsers } from './http/content-types.js';
import { createMetrics } from './observability/metrics.js';
import type { DocumentedRoute } from './openapi/document.js';
import type { ServerOptions } from './options.js';
import { asKeylineError, sendProblem } from './problems/problem.js';
import { mappingFor } from './problems/table.js';
import { registerCaRoutes } from './routes/api/cas.js';
import { registerCertificateRoutes } from './routes/api/certificates.js';
import { registerChallengeRoutes } from './routes/api/challenges.js';
import { registerDocsRoutes } from './routes/api/docs.js';
import { registerManufacturerRoutes } from './routes/api/manufacturers.js';
import { registerTokenRoutes } from './routes/api/tokens.js';
import { registerVerifyRoutes } from './routes/api/verify.js';
import { registerCrlRoutes } from './routes/crl.js';
import { registerEstRoutes } from './routes/est/index.js';
import { registerOcspRoutes } from './routes/ocsp.js';
import { registerOperationRoutes } from './routes/operations.js';

/** Default request body limit: a CSR is under 2 KiB and an OCSP request under 1 KiB. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

const SERVER_VERSION = '0.1.0';

/** A client's X-Request-Id is kept when it is short and plain; otherwise the server makes one. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The Keyline server (issue 3, section 4) as a Fastify instance, not yet listening: the REST API
 * under /api/v1 (with /api/v1/openapi.json and /api/v1/docs), EST under /.well-known/est, OCSP at
 * /ocsp/<ca-id>, CRLs at /crl/<ca-id>.crl, /metrics and /healthz.
 *
 * Each handler reads parse → validate → authorise → call the core → render. Authentication runs
 * in an onRequest hook (before any body is read); every error ends in the one table of
 * problems/table.ts. The caller listens (`app.listen`) and closes (`app.close`); closing the
 * server does not close the store, which the caller owns.
 */
export function createServer(options: ServerOptions): FastifyInstance {
  const logger = options.logger ?? pino({ level: 'silent' });
  const metrics = options.metrics ?? createMetrics();
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's own two lines per request are replaced by one (onResponse below).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // OCSP GET carries the base64 request in the path (RFC 6960 A.1).
    routerOptions: { maxParamLength: 4096 },
    // A client gets 30 s to send its whole request (Fastify's default is none): no slow-loris.
    requestTimeout: 30_000,
    return503OnClosing: true,
    // A URL that is not valid percent-encoding never reaches a route: answer it from the table too.
    frameworkErrors: (error, request, reply) => {
      sendProblem(request, reply, new KeylineError('ERR_SERVER_BAD_REQUEST', `the URL is not valid (${error.code})`));
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    ...(options.tls === undefined
      ? {}
      : {
          https: {
            key: Buffer.from(options.tls.key),
            cert: Buffer.from(options.tls.cert),
            // Ask for a client certificate (EST simplereenroll, RFC 7030 3.3.2) without requiring
            // one: every other endpoint is used without, and the route validates it (verifyChain).
            requestCert: true,
            rejectUnauthorized: false,
          },
        }),
  }) as unknown as FastifyInstance;

  const ctx: ServerContext = {
    store: options.store,
    ca: options.ca,
    clock: options.clock,
    random: options.random ?? systemRandom,
    metrics,
    cas: new CaDirectory(options.store),
    crls: new CrlPublisher({ store: options.store, ca: options.ca, clock: options.clock, metrics, log: app.log }),
    est: { defaultCa: options.est?.defaultCa, profile: options.est?.profile ?? 'device' },
    audit: options.audit ?? appendAudit,
    tls: options.tls !== undefined,
  };

  const documented: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    const config = route.config as RouteConfig | undefined;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (config?.openapi === undefined) return;
    for (const method of methods) {
      if (method === 'HEAD') continue;
      documented.push({ method, url: route.url, schema: route.schema, doc: config.openapi });
    }
  });

  app.decorateRequest('actor', null);
  registerBodyParsers(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    const auth = (request.routeOptions.config as RouteConfig | undefined)?.auth;
    if (auth === 'token' || auth === 'est') {
      request.actor = await authenticate(ctx.store, request.headers.authorization, auth === 'est');
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, seconds);
    // One line per request: id (the log label), route pattern, status, duration. Never headers or bodies.
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
      },
      'request',
    );
  });

  app.setErrorHandler((error, request, reply) => {
    const keylineError = asKeylineError(error);
    if (mappingFor(keylineError.code).status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, keylineError);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new KeylineError('ERR_SERVER_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  registerCaRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerManufacturerRoutes(app, ctx);
  registerTokenRoutes(app, ctx);
  // Device verification: the server owns the nonces it issues (single use, in memory).
  const challenges = options.challenges ?? new MemoryChallengeStore({ random: ctx.random });
  registerChallengeRoutes(app, ctx, challenges);
  registerVerifyRoutes(app, ctx, challenges, { verifyThreads: options.verifyThreads ?? 0 });
  registerEstRoutes(app, ctx);
  registerOcspRoutes(app, ctx);
  registerCrlRoutes(app, ctx);
  registerOperationRoutes(app, ctx);
  registerDocsRoutes(app, documented, SERVER_VERSION);
  return app;
}
