import type { FastifyInstance } from 'fastify';
import type { RouteConfig } from '../../context.js';
import { buildOpenApiDocument, type DocumentedRoute } from '../../openapi/document.js';
import { renderDocsPage } from '../../openapi/docs-page.js';

/** /api/v1/openapi.json and /api/v1/docs, built on first request from every documented route. */
export function registerDocsRoutes(app: FastifyInstance, routes: readonly DocumentedRoute[], version: string): void {
  let document: Record<string, unknown> | undefined;
  let page: string | undefined;
  const openApi = (): Record<string, unknown> => (document ??= buildOpenApiDocument(routes, version));

  app.get(
    '/api/v1/openapi.json',
    {
      config: {
        openapi: {
          summary: 'This OpenAPI document',
          tags: ['Documentation'],
          rawResponses: { 200: { type: 'application/json', description: 'OpenAPI 3.1 document' } },
        },
      } satisfies RouteConfig,
    },
    async (_request, reply) => reply.type('application/json').send(JSON.stringify(openApi())),
  );

  app.get(
    '/api/v1/docs',
    {
      config: {
        openapi: {
          summary: 'Human-readable API page',
          tags: ['Documentation'],
          rawResponses: { 200: { type: 'text/html', description: 'HTML listing every endpoint' } },
        },
      } satisfies RouteConfig,
    },
    async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send((page ??= renderDocsPage(openApi()))),
  );
}
