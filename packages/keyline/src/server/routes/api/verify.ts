import {
  KeylineError,
  ValidationCache,
  deviceTemplateShapes,
  encodePem,
  type ChallengeStore,
  type VerifyDeviceResult,
} from '@keyline/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RouteConfig, ServerContext } from '../../context.js';
import { checkDevice } from '../../mtls/device-check.js';
import { LocalRevocation } from '../../mtls/local-revocation.js';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../../problems/problem.js';
import { VerifierPoolHolder } from '../../verify-pool-holder.js';

export const VerifyRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: {
    token: {
      type: 'string',
      minLength: 1,
      description: 'The compact JWS a device made with `identity.attest` (at most 16 KiB).',
    },
    audience: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'When given, the token’s `aud` must equal it; when absent, the audience is not checked.',
    },
  },
} as const;

export const VerifiedDeviceSchema = {
  type: 'object',
  required: ['ok', 'deviceId', 'manufacturerId', 'productId', 'serialNumber', 'chain'],
  properties: {
    ok: { type: 'boolean', enum: [true] },
    deviceId: { type: 'string', description: 'The chip serial in lower-case hex (KECP 6.1).' },
    manufacturerId: { type: 'string' },
    productId: { type: ['string', 'null'] },
    serialNumber: { type: ['string', 'null'], description: 'The subject serialNumber of the device certificate.' },
    chain: {
      type: 'array',
      items: { type: 'string' },
      description: 'The validated chain as PEM, device certificate first, trust anchor last.',
    },
  },
} as const;

export const VerifyRefusalSchema = {
  type: 'object',
  description:
    'An RFC 9457 problem document with `ok: false` and `message` (the same as `detail`): the reason code of the refusal.',
  required: ['ok', 'code', 'message', 'type', 'title', 'status', 'detail'],
  properties: {
    ok: { type: 'boolean', enum: [false] },
    code: { type: 'string', pattern: '^ERR_[A-Z0-9_]+$' },
    message: { type: 'string' },
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
  },
} as const;

/**
 * POST /api/v1/verify: verifies a device attestation token for a service that delegates
 * verification (issue 5 section 2). The token must carry a nonce this server issued (POST
 * /api/v1/challenges), unexpired and unused: it is consumed here. The chain must lead to one of
 * this data directory's active roots under the ecosystem profile, and no certificate of it may be
 * revoked in this data directory's own records. Nothing is written: a verification changes no
 * stored state.
 *
 * A refusal is answered with the status its code has in the problem table (problems/table.ts):
 * 422 for a token refused on its merits (signature, chain, nonce, audience, revocation), 400 for
 * one that does not parse. Its body is the problem document with `ok: false` and `message`.
 *
 * With `verifyThreads` of 1 or more, the checks of the token and its chain run on a
 * DeviceVerifierPool of that many worker threads (revocation and the nonce stay on this thread):
 * the same answers, off the event loop. The pools stop when the server closes.
 */
export function registerVerifyRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  challenges: ChallengeStore,
  options: { readonly verifyThreads?: number } = {},
): void {
  const revocation = new LocalRevocation(ctx.store);
  const threads = options.verifyThreads ?? 0;
  if (!Number.isSafeInteger(threads) || threads < 0) throw new TypeError('verifyThreads must be an integer ≥ 0');

  // Read on every request: a root may be created or retired while the server runs.
  const activeRoots = async (): Promise<Uint8Array[]> => {
    const roots = (await ctx.store.cas.list({ kind: 'root' })).filter(
      (ca) => ca.status === 'active' && ca.certificateDer !== null,
    );
    if (roots.length === 0) throw new KeylineError('ERR_CA_NOT_FOUND', 'this server has no active root CA');
    return roots.map((ca) => ca.certificateDer!);
  };

  let verifyToken: (token: string, audience: string | undefined) => Promise<VerifyDeviceResult>;
  if (threads === 0) {
    const cache = new ValidationCache({ deviceShapes: deviceTemplateShapes() });
    verifyToken = async (token, audience) =>
      checkDevice(
        { trustAnchors: await activeRoots(), clock: ctx.clock, revocation, revocationScope: 'chain', cache },
        { token, challenge: { store: challenges }, ...(audience === undefined ? {} : { audience }) },
      );
  } else {
    const pools = new VerifierPoolHolder({
      threads,
      onCloseError: (error) => app.log.warn({ err: error }, 'a device verifier pool failed to stop'),
    });
    app.addHook('onClose', () => pools.close());
    verifyToken = (token, audience) =>
      pools.verify(activeRoots, () => ({
        token,
        time: ctx.clock.now(),
        revocation,
        revocationScope: 'chain',
        challenge: { store: challenges },
        ...(audience === undefined ? {} : { audience }),
      }));
  }

  app.post<{ Body: { token: string; audience?: string } }>(
    '/api/v1/verify',
    {
      schema: { body: VerifyRequestSchema, response: { 200: VerifiedDeviceSchema, 422: VerifyRefusalSchema } },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Verify a device attestation token',
          description:
            'Checks the token (ES256 signature by the device certificate key), its x5c chain to an active root of ' +
            'this server (ecosystem profile), revocation in this server’s records, the nonce (issued by POST ' +
            '/api/v1/challenges, unexpired, single use), the audience when given, and the issue time. 200 with the ' +
            'verified identity, or a problem document with `ok: false`, `code` and `message`: 422 when refused ' +
            '(e.g. ERR_PATH_REVOKED), 400 when the token or the body is malformed.',
          tags: ['Device verification'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [400, 401, 413, 415, 422],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      const result = await verifyToken(request.body.token, request.body.audience);
      if (!result.ok) return sendRefusal(request, reply, result);
      return {
        ok: true,
        deviceId: result.deviceId,
        manufacturerId: result.manufacturerId,
        productId: result.productId ?? null,
        serialNumber: result.serialNumber ?? null,
        chain: result.chain.map((certificate) => encodePem('CERTIFICATE', certificate.der)),
      };
    },
  );
}

/** A refusal as the problem table answers its code, with `ok: false` and `message` for verifiers. */
function sendRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  result: Extract<VerifyDeviceResult, { ok: false }>,
): FastifyReply {
  const problem = problemFor(new KeylineError(result.code, result.message), 'api', request.id);
  const body = { ok: false, message: problem.detail, ...problem };
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
