import { KeylineError } from '@keyline/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Bodies the server reads as raw bytes (DER, base64 or PEM inside; each route decides). */
export const RAW_BODY_TYPES = [
  'application/pkcs10',
  'application/ocsp-request',
  'application/octet-stream',
  'application/x-pem-file',
  'application/pem-certificate-chain',
] as const;

/** Adds the raw body parsers (JSON and text/plain are Fastify's own). */
export function registerBodyParsers(app: FastifyInstance): void {
  app.addContentTypeParser([...RAW_BODY_TYPES], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** The media type of the request, lower case, without parameters. */
export function mediaTypeOf(request: FastifyRequest): string | undefined {
  const header = request.headers['content-type'];
  if (typeof header !== 'string' || header.length === 0) return undefined;
  return header.split(';', 1)[0]!.trim().toLowerCase();
}

/** Refuses (415) a request whose body is not one of `types`, naming the ones accepted. */
export function requireMediaType(request: FastifyRequest, types: readonly string[]): string {
  const type = mediaTypeOf(request);
  if (type === undefined || !types.includes(type)) {
    throw new KeylineError(
      'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
      `this endpoint takes ${types.join(' or ')}${type === undefined ? ' (no Content-Type was sent)' : `, not ${type}`}`,
    );
  }
  return type;
}

/** The body as bytes, whatever parser read it (Buffer for raw types, string for text). */
export function bodyBytes(request: FastifyRequest): Uint8Array {
  const body = request.body;
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  throw new KeylineError('ERR_SERVER_BAD_REQUEST', 'the request has no body');
}
