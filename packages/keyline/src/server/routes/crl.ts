import { KeylineError } from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import type { RouteConfig, ServerContext } from '../context.js';

const CRL_TYPE = 'application/pkix-crl';

/**
 * GET /crl/<ca-id>.crl: the CA's latest full CRL, DER (RFC 5280 5; media type RFC 2585 4.2),
 * re-signed first when stale (crl-publisher.ts).
 */
export function registerCrlRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: { file: string } }>(
    '/crl/:file',
    {
      schema: {
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', minLength: 5, maxLength: 140, description: '<ca-id>.crl' } },
        },
      },
      config: {
        openapi: {
          summary: 'Latest full CRL of a CA',
          description: '/crl/{caId}.crl — DER, re-signed by the CA first when the latest one is stale.',
          tags: ['CRL'],
          rawResponses: { 200: { type: CRL_TYPE, description: 'DER CertificateList' } },
          errors: [404, 409, 503],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      const { file } = request.params;
      if (!file.endsWith('.crl')) throw new KeylineError('ERR_SERVER_NOT_FOUND', 'CRLs are at /crl/<ca-id>.crl');
      const ca = await ctx.cas.get(file.slice(0, -'.crl'.length));
      if (ca.certificateDer === null) {
        throw new KeylineError('ERR_CA_NOT_ACTIVE', `CA ${ca.id} has no certificate yet, so no CRL`);
      }
      const crl = await ctx.crls.current(ca.id);
      return reply
        .type(CRL_TYPE)
        .header('last-modified', crl.thisUpdate.toUTCString())
        .header('cache-control', 'max-age=60')
        .send(Buffer.from(crl.der.buffer, crl.der.byteOffset, crl.der.byteLength));
    },
  );
}
