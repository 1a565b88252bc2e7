import type { FastifyInstance } from 'fastify';
import { maySeeCa, requireCaUse } from '../../auth/authorise.js';
import { actorOf, type RouteConfig, type ServerContext } from '../../context.js';
import { CaDetailSchema, CaListSchema, CrlInfoSchema } from '../../openapi/schemas.js';
import { caDetailView, caUrls, caView } from '../../views.js';

const caIdParams = {
  type: 'object',
  required: ['caId'],
  properties: { caId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** /api/v1/cas: the CAs the token may see, their detail, and a fresh CRL on demand. */
export function registerCaRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: { kind?: 'root' | 'manufacturer' | 'issuing'; manufacturerId?: string } }>(
    '/api/v1/cas',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: ['root', 'manufacturer', 'issuing'] },
            manufacturerId: { type: 'string', maxLength: 64 },
          },
        },
        response: { 200: CaListSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'List CAs',
          description: 'Every CA the token may see: an operator sees only its manufacturer’s CAs.',
          tags: ['CAs'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [400, 401],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const actor = actorOf(request);
      const { kind, manufacturerId } = request.query;
      const list = await ctx.store.cas.list({
        ...(kind === undefined ? {} : { kind }),
        ...(manufacturerId === undefined ? {} : { manufacturerId }),
      });
      return { items: list.filter((ca) => maySeeCa(actor, ca)).map(caView) };
    },
  );

  app.get<{ Params: { caId: string } }>(
    '/api/v1/cas/:caId',
    {
      schema: { params: caIdParams, response: { 200: CaDetailSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'CA detail',
          description: 'The CA with its certificate, its chain up to the root and its OCSP signer.',
          tags: ['CAs'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [401, 403, 404],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const ca = await ctx.cas.get(request.params.caId);
      requireCaUse(actorOf(request), ca, false);
      return caDetailView(ca, await ctx.cas.chain(ca));
    },
  );

  app.post<{ Params: { caId: string } }>(
    '/api/v1/cas/:caId/crl',
    {
      schema: { params: caIdParams, response: { 201: CrlInfoSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Sign a new CRL now',
          description: 'Has the CA sign a new full CRL at once (the server also does so whenever the latest is stale).',
          tags: ['CAs'],
          roles: ['admin', 'operator'],
          security: ['bearer'],
          errors: [401, 403, 404, 409],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const ca = await ctx.cas.get(request.params.caId);
      requireCaUse(actor, ca, true);
      const crl = await ctx.ca.generateCrl({ caId: ca.id }, actor);
      reply.code(201);
      return {
        caId: ca.id,
        number: crl.number.toString(),
        thisUpdate: crl.thisUpdate.toISOString(),
        nextUpdate: crl.nextUpdate.toISOString(),
        crlUrl: caUrls(ca).crlUrl,
      };
    },
  );
}
