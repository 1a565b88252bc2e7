import { KeylineError, isKeylineError } from '@keyline/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mappingFor, problemType } from './table.js';

/** An RFC 9457 problem document, with Keyline's stable error code as an extension member. */
export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  /** The request id, to find the request in the logs. */
  readonly requestId?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Which face of the server answers: EST uses its own statuses from the table. */
export type Face = 'api' | 'est';

/** Fastify's own failures (body parsing, schema validation), as Keyline errors. */
const FASTIFY_CODES: Readonly<Record<string, KeylineError['code']>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_SERVER_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_SERVER_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_SERVER_BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_SERVER_BAD_JSON',
  FST_ERR_VALIDATION: 'ERR_SERVER_BAD_REQUEST',
};

/**
 * Any thrown value as a KeylineError. Keyline errors pass through; Fastify's parsing and
 * validation errors get their server codes (with Fastify's message, which names the field);
 * anything else is ERR_SERVER_INTERNAL with a fixed message, so no internal detail leaks.
 */
export function asKeylineError(error: unknown): KeylineError {
  if (isKeylineError(error)) return error;
  const fastify = error as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown };
  const code = typeof fastify?.code === 'string' ? FASTIFY_CODES[fastify.code] : undefined;
  if (code !== undefined) return new KeylineError(code, cleanMessage(fastify.message, code));
  if (error instanceof SyntaxError && fastify.statusCode === 400) {
    return new KeylineError('ERR_SERVER_BAD_JSON', 'the request body is not valid JSON');
  }
  if (fastify?.validation !== undefined)
    return new KeylineError('ERR_SERVER_BAD_REQUEST', cleanMessage(fastify.message));
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new KeylineError('ERR_SERVER_BAD_REQUEST', cleanMessage(fastify.message));
  }
  return new KeylineError('ERR_SERVER_INTERNAL', undefined, undefined, { cause: error });
}

function cleanMessage(message: unknown, code?: KeylineError['code']): string | undefined {
  if (typeof message !== 'string' || message.length === 0) return undefined;
  if (code === 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE')
    return message.replace(/^Unsupported Media Type:?\s*/i, 'unsupported media type: ');
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** The problem document answering `error` on `face`. Internal errors carry only their fixed message. */
export function problemFor(error: KeylineError, face: Face, requestId?: string): ProblemDocument {
  const mapping = mappingFor(error.code);
  const status = face === 'est' ? mapping.estStatus : mapping.status;
  const detail = status >= 500 ? new KeylineError(error.code).message : error.message;
  return {
    type: problemType(error.code),
    title: mapping.title,
    status,
    code: error.code,
    detail,
    ...(requestId === undefined ? {} : { requestId }),
  };
}

/** Sends `error` as a problem document; on 401, says how to authenticate (RFC 9110 11.6.1). */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const keylineError = asKeylineError(error);
  const face = faceOf(request);
  const problem = problemFor(keylineError, face, request.id);
  if (problem.status === 401 && keylineError.code !== 'ERR_SERVER_CLIENT_CERT_REQUIRED') {
    // EST accepts HTTP Basic with the token as password (RFC 7030 3.2.3); the API takes Bearer.
    reply.header('www-authenticate', face === 'est' ? 'Basic realm="keyline-est", Bearer' : 'Bearer realm="keyline"');
  }
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

/** The face of the route that answered, from its config (default the API's). */
export function faceOf(request: FastifyRequest): Face {
  const config = request.routeOptions?.config as { face?: Face } | undefined;
  return config?.face ?? 'api';
}
