import type { ChallengeStore } from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import type { RouteConfig, ServerContext } from '../../context.js';

/** The answer to POST /api/v1/challenges. */
export const ChallengeSchema = {
  type: 'object',
  required: ['nonce', 'expiresAt'],
  properties: {
    nonce: {
      type: 'string',
      description: 'base64url of 32 random octets: the `nonce` the device puts in its attestation token.',
    },
    expiresAt: { type: 'string', format: 'date-time', description: 'After this the nonce is refused.' },
  },
} as const;

/**
 * POST /api/v1/challenges: a fresh nonce for one device attestation (issue 5 section 2). Nonces
 * live in the server's own ChallengeStore (in memory, bounded, 5 minutes by default) and are
 * consumed by POST /api/v1/verify: each verifies once. Any valid API token may ask: the services
 * that delegate device verification hold one (docs/api.md, "Device verification").
 */
export function registerChallengeRoutes(app: FastifyInstance, ctx: ServerContext, challenges: ChallengeStore): void {
  app.post(
    '/api/v1/challenges',
    {
      schema: { response: { 201: ChallengeSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Issue a challenge nonce',
          description:
            'A single-use nonce for a device attestation token (`keyline device attest --nonce`). It expires at ' +
            '`expiresAt` and is consumed by POST /api/v1/verify whatever the verdict. Nonces are kept in this ' +
            "server process's memory: verify with the same server that issued the nonce. No request body.",
          tags: ['Device verification'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [401],
        },
      } satisfies RouteConfig,
    },
    async (_request, reply) => {
      const challenge = await challenges.issue(ctx.clock.now());
      reply.code(201);
      return { nonce: challenge.nonce, expiresAt: challenge.expiresAt.toISOString() };
    },
  );
}
