import { ERROR_REGISTRY, KeylineError, type ErrorCode } from '@keyline/core';
import { describe, expect, it } from 'vitest';
import { asKeylineError, problemFor } from '../../../src/server/problems/problem.js';
import { OCSP_HTTP_STATUS, mappingFor, problemType } from '../../../src/server/problems/table.js';

describe('the one error table', () => {
  it('maps every registered code to a 4xx or 5xx status on every face', () => {
    for (const code of Object.keys(ERROR_REGISTRY)) {
      const m = mappingFor(code);
      const kind = ERROR_REGISTRY[code as ErrorCode].kind;
      for (const status of [m.status, m.estStatus]) {
        expect(status, code).toBeGreaterThanOrEqual(400);
        expect(status, code).toBeLessThan(600);
        // Only internal errors (and unavailability) are 5xx: everything else is the client's.
        if (kind !== 'internal' && code !== 'ERR_SERVER_CRL_UNAVAILABLE') expect(status, code).toBeLessThan(500);
      }
      expect(Object.keys(OCSP_HTTP_STATUS)).toContain(m.ocspStatus);
      expect(m.title.length, code).toBeGreaterThan(0);
    }
  });

  it.each<[string, number, number, string]>([
    ['ERR_SERVER_UNAUTHENTICATED', 401, 401, 'unauthorized'],
    ['ERR_SERVER_BAD_TOKEN', 401, 401, 'unauthorized'],
    ['ERR_SERVER_FORBIDDEN', 403, 403, 'unauthorized'],
    ['ERR_CA_FORBIDDEN', 403, 403, 'unauthorized'],
    ['ERR_CA_NOT_FOUND', 404, 404, 'unauthorized'],
    ['ERR_SERVER_BODY_TOO_LARGE', 413, 413, 'malformedRequest'],
    ['ERR_SERVER_UNSUPPORTED_MEDIA_TYPE', 415, 415, 'malformedRequest'],
    ['ERR_CA_CSR_SIGNATURE', 422, 400, 'malformedRequest'],
    ['ERR_CA_PROFILE_VIOLATION', 422, 400, 'malformedRequest'],
    ['ERR_DER_TRUNCATED', 400, 400, 'malformedRequest'],
    ['ERR_CA_ALREADY_REVOKED', 409, 409, 'unauthorized'],
    ['ERR_STORE_UNAVAILABLE', 503, 503, 'tryLater'],
    ['ERR_SERVER_INTERNAL', 500, 500, 'internalError'],
  ])('%s → HTTP %i, EST %i, OCSP %s', (code, status, est, ocsp) => {
    expect(mappingFor(code)).toMatchObject({ status, estStatus: est, ocspStatus: ocsp });
  });

  it('treats an unknown code as internal', () => {
    expect(mappingFor('ERR_NOT_A_CODE').status).toBe(500);
  });

  it('answers OCSP malformedRequest with 400 and unauthorized with 200', () => {
    expect(OCSP_HTTP_STATUS.malformedRequest).toBe(400);
    expect(OCSP_HTTP_STATUS.unauthorized).toBe(200);
    expect(OCSP_HTTP_STATUS.internalError).toBe(500);
  });
});

describe('problem documents (RFC 9457)', () => {
  it('carry type, title, status, code and detail', () => {
    const p = problemFor(new KeylineError('ERR_CA_NOT_FOUND', 'no CA with id x'), 'api', 'req-1');
    expect(p).toEqual({
      type: problemType('ERR_CA_NOT_FOUND'),
      title: 'Not found',
      status: 404,
      code: 'ERR_CA_NOT_FOUND',
      detail: 'no CA with id x',
      requestId: 'req-1',
    });
  });

  it('never show an internal error’s own message', () => {
    const p = problemFor(new KeylineError('ERR_SERVER_INTERNAL', 'stack: /secret/path/key.pem'), 'api');
    expect(p.detail).toBe('internal server error');
  });

  it('turn raw exceptions into ERR_SERVER_INTERNAL without their message', () => {
    const e = asKeylineError(new TypeError('Cannot read properties of undefined (reading "x")'));
    expect(e.code).toBe('ERR_SERVER_INTERNAL');
    expect(problemFor(e, 'api').detail).toBe('internal server error');
  });

  it('turn Fastify’s parser errors into server codes', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(asKeylineError(tooLarge).code).toBe('ERR_SERVER_BODY_TOO_LARGE');
    const media = Object.assign(new Error('Unsupported Media Type: application/xml'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    expect(asKeylineError(media).code).toBe('ERR_SERVER_UNSUPPORTED_MEDIA_TYPE');
    const validation = Object.assign(new Error('body must have required property csr'), {
      validation: [],
      statusCode: 400,
    });
    expect(asKeylineError(validation)).toMatchObject({
      code: 'ERR_SERVER_BAD_REQUEST',
      message: 'body must have required property csr',
    });
  });
});
