import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteConfig, ServerContext } from '../context.js';
import { decodeBase64Path } from '../http/base64.js';
import { requireMediaType } from '../http/content-types.js';
import { answerOcsp } from '../ocsp/answer.js';
import { installOcspFastPath } from '../ocsp/fast-path.js';

const OCSP_RESPONSE_TYPE = 'application/ocsp-response';
const OCSP_REQUEST_TYPE = 'application/ocsp-request';

const caIdParams = {
  type: 'object',
  required: ['caId'],
  properties: { caId: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const rawResponses = {
  200: {
    type: OCSP_RESPONSE_TYPE,
    description: 'A signed OCSP response, or an unsigned `unauthorized` one for a CA not served here',
  },
  400: {
    type: OCSP_RESPONSE_TYPE,
    description: 'An unsigned `malformedRequest` response; the X-Keyline-Error-Code header names the defect',
  },
  500: { type: OCSP_RESPONSE_TYPE, description: 'An unsigned `internalError` response' },
  503: { type: OCSP_RESPONSE_TYPE, description: 'An unsigned `tryLater` response (the database does not answer)' },
} as const;

/**
 * The OCSP responder (RFC 6960), one URL per CA: POST /ocsp/<ca-id> with the DER request, and
 * GET /ocsp/<ca-id>/<base64 of the DER> (RFC 6960 A.1; base64url accepted too). Answers come from
 * ocsp/answer.ts: the CA core's cache of pre-signed responses, else `ca.ocspRespond`. Failures
 * become unsigned OCSP error responses through the one error table (malformedRequest,
 * unauthorized, internalError, tryLater), never an HTML or JSON 500: OCSP clients only read OCSP.
 * Only a wrong media type or an oversized body, caught before the request is read, is answered
 * with a problem document. `keyline serve --ocsp-port` also serves the same answers on a port of
 * their own, without Fastify (ocsp/listener.ts).
 */
export function registerOcspRoutes(app: FastifyInstance, ctx: ServerContext): void {
  // Plain OCSP requests over HTTP are answered before Fastify (ocsp/fast-path.ts), the same way.
  installOcspFastPath(app, ctx);
  const answer = async (reply: FastifyReply, caId: string, readRequest: () => Uint8Array): Promise<FastifyReply> => {
    const result = await answerOcsp(ctx, caId, readRequest);
    if (result.failure !== undefined) reply.log.error({ err: result.failure, caId }, 'OCSP responder failed');
    if (result.errorCode !== undefined) reply.header('x-keyline-error-code', result.errorCode);
    ctx.metrics.ocspResponses.inc({ status: result.responseStatus, cert_status: result.certStatus });
    const body = result.body;
    return reply
      .code(result.httpStatus)
      .type(OCSP_RESPONSE_TYPE)
      .header('cache-control', 'no-cache')
      .send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  };

  app.post<{ Params: { caId: string } }>(
    '/ocsp/:caId',
    {
      schema: { params: caIdParams },
      config: {
        openapi: {
          summary: 'OCSP request (POST)',
          description: 'RFC 6960 A.1.1: the DER OCSPRequest as the body. Nonces (RFC 8954) are echoed.',
          tags: ['OCSP'],
          rawBody: { [OCSP_REQUEST_TYPE]: 'DER OCSPRequest' },
          rawResponses,
          errors: [413, 415],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      requireMediaType(request, [OCSP_REQUEST_TYPE]);
      return answer(reply, request.params.caId, () => {
        const body = request.body;
        return body instanceof Uint8Array ? body : new Uint8Array(0);
      });
    },
  );

  app.get<{ Params: { caId: string; '*': string } }>(
    '/ocsp/:caId/*',
    {
      config: {
        openapi: {
          summary: 'OCSP request (GET)',
          description: 'RFC 6960 A.1.1: /ocsp/{caId}/{url-encoded base64 of the DER OCSPRequest}.',
          tags: ['OCSP'],
          rawResponses,
        },
      } satisfies RouteConfig,
    },
    async (request, reply) =>
      answer(reply, request.params.caId, () => decodeBase64Path(request.params['*'], 'the OCSP request in the URL')),
  );
}
