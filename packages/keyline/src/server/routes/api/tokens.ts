import { KeylineError } from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import type { ApiTokenRecord, TokenRole } from '../../../ca/records.js';
import { requireRole } from '../../auth/authorise.js';
import { hashTokenSecret, newTokenSecret } from '../../auth/token-secret.js';
import { actorOf, type RouteConfig, type ServerContext } from '../../context.js';
import { TokenCreateSchema, TokenCreatedSchema, TokenListSchema, TokenSchema } from '../../openapi/schemas.js';
import { tokenView } from '../../views.js';

/** /api/v1/tokens: admin only. The secret is shown once, in the answer to its creation. */
export function registerTokenRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/tokens',
    {
      schema: { response: { 200: TokenListSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'List API tokens',
          description: 'Token hashes and secrets are never shown.',
          tags: ['API tokens'],
          roles: ['admin'],
          security: ['bearer'],
          errors: [401, 403],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      requireRole(actorOf(request), ['admin'], 'managing API tokens');
      return { items: (await ctx.store.tokens.list()).map(tokenView) };
    },
  );

  app.post<{ Body: { name: string; role: TokenRole; manufacturerId?: string } }>(
    '/api/v1/tokens',
    {
      schema: { body: TokenCreateSchema, response: { 201: TokenCreatedSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Create an API token',
          description:
            'An operator token needs the manufacturerId it is limited to; admin and auditor tokens take none. ' +
            'The answer carries the secret once: only its SHA-256 hash is stored.',
          tags: ['API tokens'],
          roles: ['admin'],
          security: ['bearer'],
          errors: [400, 401, 403, 415, 422],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireRole(actor, ['admin'], 'managing API tokens');
      const { name, role, manufacturerId } = request.body;
      if (role === 'operator' && manufacturerId === undefined) {
        throw new KeylineError('ERR_SERVER_BAD_REQUEST', 'an operator token needs a manufacturerId');
      }
      if (role !== 'operator' && manufacturerId !== undefined) {
        throw new KeylineError('ERR_SERVER_BAD_REQUEST', `an ${role} token is not limited to a manufacturer`);
      }
      if (manufacturerId !== undefined && (await ctx.store.manufacturers.get(manufacturerId)) === undefined) {
        throw new KeylineError('ERR_SERVER_UNKNOWN_MANUFACTURER', `no manufacturer ${manufacturerId}`);
      }
      const secret = newTokenSecret(ctx.random);
      const record: ApiTokenRecord = {
        id: `tok_${Buffer.from(ctx.random.bytes(10)).toString('hex')}`,
        name,
        role,
        manufacturerId: manufacturerId ?? null,
        tokenHash: hashTokenSecret(secret),
        createdAt: ctx.clock.now(),
        revokedAt: null,
      };
      const created = await ctx.store.transaction(async (tx) => {
        const inserted = await tx.tokens.insert(record);
        await ctx.audit(
          tx,
          {
            actor: actor.id,
            action: 'token.create',
            target: record.id,
            details: { name, role, manufacturerId: record.manufacturerId },
          },
          ctx.clock,
        );
        return inserted;
      });
      reply.code(201);
      return { token: tokenView(created), secret };
    },
  );

  app.delete<{ Params: { tokenId: string } }>(
    '/api/v1/tokens/:tokenId',
    {
      schema: {
        params: {
          type: 'object',
          required: ['tokenId'],
          properties: { tokenId: { type: 'string', minLength: 1, maxLength: 128 } },
        },
        response: { 200: TokenSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Revoke an API token',
          description: 'The token stops working at once; its record stays, with revokedAt.',
          tags: ['API tokens'],
          roles: ['admin'],
          security: ['bearer'],
          errors: [401, 403, 404, 409],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const actor = actorOf(request);
      requireRole(actor, ['admin'], 'managing API tokens');
      const { tokenId } = request.params;
      const existing = (await ctx.store.tokens.list()).find((t) => t.id === tokenId);
      if (existing === undefined) throw new KeylineError('ERR_SERVER_NOT_FOUND', `no API token ${tokenId}`);
      if (existing.revokedAt !== null) throw new KeylineError('ERR_STORE_CONFLICT', 'the token is already revoked');
      const at = ctx.clock.now();
      const revoked = await ctx.store.transaction(async (tx) => {
        const updated = await tx.tokens.revoke(tokenId, at);
        await ctx.audit(tx, { actor: actor.id, action: 'token.revoke', target: tokenId, details: {} }, ctx.clock);
        return updated;
      });
      return tokenView(revoked);
    },
  );
}
