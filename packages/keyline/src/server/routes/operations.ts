import { KeylineError } from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import type { RouteConfig, ServerContext } from '../context.js';
import { HealthSchema } from '../openapi/schemas.js';

/** /healthz (is the database reachable) and /metrics (Prometheus text format). */
export function registerOperationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/healthz',
    {
      schema: { response: { 200: HealthSchema } },
      config: {
        openapi: {
          summary: 'Health',
          description: 'OK when the database answers a read; 503 with a problem document otherwise.',
          tags: ['Operations'],
          errors: [503],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      try {
        await ctx.store.audit.last();
      } catch (error) {
        request.log.error(
          { err: error instanceof Error ? error.message : String(error) },
          'health check: database unreachable',
        );
        throw new KeylineError('ERR_STORE_UNAVAILABLE', 'the database does not answer');
      }
      return { status: 'ok', database: 'ok' };
    },
  );

  app.get(
    '/metrics',
    {
      config: {
        openapi: {
          summary: 'Prometheus metrics',
          description:
            'Requests by route and status, latency, certificates issued and revoked, OCSP responses by status, CRLs signed. ' +
            'Unauthenticated: expose the port only where the scraper runs.',
          tags: ['Operations'],
          rawResponses: {
            200: { type: 'text/plain; version=0.0.4', description: 'Prometheus text exposition format' },
          },
        },
      } satisfies RouteConfig,
    },
    async (_request, reply) => reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.exposition()),
  );
}
