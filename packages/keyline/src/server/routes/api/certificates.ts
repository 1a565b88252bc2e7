import { KeylineError, type CrlReason } from '@keyline/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CertificateStatus } from '../../../ca/records.js';
import type { CertificateFilter } from '../../../ca/store-port.js';
import { requireCaUse } from '../../auth/authorise.js';
import { actorOf, type RouteConfig, type ServerContext } from '../../context.js';
import { mediaTypeOf } from '../../http/content-types.js';
import { csrFromBytes } from '../../http/csr-body.js';
import { normaliseSerial } from '../../http/serial.js';
import {
  CertificateDetailSchema,
  CertificatePageSchema,
  ISSUE_PROFILES,
  IssueRequestSchema,
  IssuedCertificateSchema,
  RevokeRequestSchema,
} from '../../openapi/schemas.js';
import { certificateDetailView, certificateView } from '../../views.js';

const idString = { type: 'string', minLength: 1, maxLength: 128 } as const;
const serialString = { type: 'string', minLength: 1, maxLength: 128 } as const;

interface SearchQuery {
  caId?: string;
  status?: CertificateStatus;
  serial?: string;
  deviceId?: string;
  chipSerial?: string;
  manufacturerId?: string;
  limit?: number;
  cursor?: string;
}

interface IssueQuery {
  profile?: (typeof ISSUE_PROFILES)[number];
  requestId?: string;
  validityDays?: number;
}

interface IssueJson extends IssueQuery {
  csr: string;
}

/** Media types the issue endpoint reads a CSR from, besides JSON. */
const RAW_CSR_TYPES = ['application/pkcs10', 'application/octet-stream', 'application/x-pem-file', 'text/plain'];

/** /api/v1/certificates and /api/v1/cas/:caId/certificates: search, detail, issue, revoke. */
export function registerCertificateRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: SearchQuery }>(
    '/api/v1/certificates',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            caId: idString,
            status: { type: 'string', enum: ['reserved', 'signing', 'valid', 'revoked', 'failed'] },
            serial: serialString,
            deviceId: { type: 'string', maxLength: 128 },
            chipSerial: { type: 'string', maxLength: 128 },
            manufacturerId: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            cursor: { type: 'string', maxLength: 512 },
          },
        },
        response: { 200: CertificatePageSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Search certificates',
          description:
            'Filters combine with AND. Paginated: pass `next` back as `cursor`. An operator sees only its manufacturer’s certificates.',
          tags: ['Certificates'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [400, 401, 403],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const actor = actorOf(request);
      const q = request.query;
      if (actor.role === 'operator' && q.manufacturerId !== undefined && q.manufacturerId !== actor.manufacturerId) {
        throw new KeylineError('ERR_SERVER_FORBIDDEN', 'an operator may only search its own manufacturer');
      }
      const manufacturerId = actor.role === 'operator' ? (actor.manufacturerId ?? '') : q.manufacturerId;
      const filter: CertificateFilter = {
        ...(q.caId === undefined ? {} : { caId: q.caId }),
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.serial === undefined ? {} : { serialHex: normaliseSerial(q.serial) }),
        ...(q.deviceId === undefined ? {} : { deviceId: q.deviceId.toLowerCase() }),
        ...(q.chipSerial === undefined ? {} : { chipSerial: q.chipSerial.toLowerCase() }),
        ...(manufacturerId === undefined ? {} : { manufacturerId }),
      };
      const page = await ctx.store.certificates.search(filter, {
        limit: q.limit ?? 100,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
      return { items: page.items.map(certificateView), next: page.next };
    },
  );

  app.get<{ Params: { certificateId: string } }>(
    '/api/v1/certificates/:certificateId',
    {
      schema: {
        params: { type: 'object', required: ['certificateId'], properties: { certificateId: idString } },
        response: { 200: CertificateDetailSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Certificate detail by record id',
          tags: ['Certificates'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [401, 403, 404],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const record = await ctx.store.certificates.get(request.params.certificateId);
      if (record === undefined) throw new KeylineError('ERR_SERVER_NOT_FOUND', 'no certificate with that id');
      requireCaUse(actorOf(request), await ctx.cas.get(record.caId), false);
      return certificateDetailView(record);
    },
  );

  app.get<{ Params: { caId: string; serial: string } }>(
    '/api/v1/cas/:caId/certificates/:serial',
    {
      schema: {
        params: { type: 'object', required: ['caId', 'serial'], properties: { caId: idString, serial: serialString } },
        response: { 200: CertificateDetailSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Certificate detail by CA and serial',
          description: 'The serial is hex, in any case, with or without colons.',
          tags: ['Certificates'],
          roles: ['admin', 'operator', 'auditor'],
          security: ['bearer'],
          errors: [400, 401, 403, 404],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const serialHex = normaliseSerial(request.params.serial);
      const ca = await ctx.cas.get(request.params.caId);
      requireCaUse(actorOf(request), ca, false);
      const record = await ctx.store.certificates.getBySerial(ca.id, serialHex);
      if (record === undefined) throw new KeylineError('ERR_CA_CERTIFICATE_NOT_FOUND');
      return certificateDetailView(record);
    },
  );

  app.post<{ Params: { caId: string }; Querystring: IssueQuery; Body: IssueJson | Uint8Array | string }>(
    '/api/v1/cas/:caId/certificates',
    {
      schema: {
        params: { type: 'object', required: ['caId'], properties: { caId: idString } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            profile: IssueRequestSchema.properties.profile,
            requestId: IssueRequestSchema.properties.requestId,
            validityDays: IssueRequestSchema.properties.validityDays,
          },
        },
        response: { 200: IssuedCertificateSchema, 201: IssuedCertificateSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Issue a certificate from a CSR',
          description:
            'The CSR is checked (signature as proof of possession), the profile applied and the result linted before signing. ' +
            'Send JSON (IssueRequest), or the CSR itself as application/pkcs10 (DER or base64), application/x-pem-file or text/plain (PEM) with ' +
            'profile, requestId and validityDays in the query. The same requestId at the same CA returns the same certificate (200, reused: true).',
          tags: ['Certificates'],
          roles: ['admin', 'operator'],
          security: ['bearer'],
          rawBody: {
            'application/json': 'IssueRequest',
            'application/pkcs10': 'DER (or base64 of the DER) of a PKCS#10 request',
            'application/x-pem-file': 'PEM CERTIFICATE REQUEST',
            'text/plain': 'PEM CERTIFICATE REQUEST',
          },
          errors: [400, 401, 403, 404, 409, 413, 415, 422],
        },
      } satisfies RouteConfig,
    },
    async (request, reply) => {
      // parse
      const { csrText, options } = issueInputOf(request);
      const csr = csrFromBytes(csrText);
      const profile = options.profile ?? 'device';
      // validate + authorise
      const actor = actorOf(request);
      const ca = await ctx.cas.get(request.params.caId);
      requireCaUse(actor, ca, true);
      await ctx.cas.requireIssuing(ca);
      // call the core
      const result = await ctx.ca.issue(
        {
          caId: ca.id,
          csrDer: csr.der,
          profile,
          ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
          ...(options.validityDays === undefined ? {} : { validityDays: options.validityDays }),
        },
        actor,
      );
      if (!result.reused) ctx.metrics.issued.inc({ ca: ca.id, profile, via: 'api' });
      // render
      reply.code(result.reused ? 200 : 201);
      return { ...certificateDetailView(result.record), reused: result.reused };
    },
  );

  app.post<{ Params: { caId: string; serial: string }; Body: { reason: CrlReason } }>(
    '/api/v1/cas/:caId/certificates/:serial/revoke',
    {
      schema: {
        params: { type: 'object', required: ['caId', 'serial'], properties: { caId: idString, serial: serialString } },
        body: RevokeRequestSchema,
        response: { 200: CertificateDetailSchema },
      },
      config: {
        auth: 'token',
        openapi: {
          summary: 'Revoke a certificate',
          description:
            'RFC 5280 5.3.1 reasons. OCSP answers revoked at once; the CRL is re-signed at its next request.',
          tags: ['Certificates'],
          roles: ['admin', 'operator'],
          security: ['bearer'],
          errors: [400, 401, 403, 404, 409, 415],
        },
      } satisfies RouteConfig,
    },
    async (request) => {
      const serialHex = normaliseSerial(request.params.serial);
      const actor = actorOf(request);
      const ca = await ctx.cas.get(request.params.caId);
      requireCaUse(actor, ca, true);
      const record = await ctx.ca.revoke({ caId: ca.id, serialHex, reason: request.body.reason }, actor);
      ctx.metrics.revoked.inc({ ca: ca.id, reason: request.body.reason });
      return certificateDetailView(record);
    },
  );
}

/** The CSR and options of an issue request, from JSON or from a raw body with query options. */
function issueInputOf(request: FastifyRequest<{ Querystring: IssueQuery; Body: IssueJson | Uint8Array | string }>): {
  csrText: Uint8Array | string;
  options: IssueQuery;
} {
  const type = mediaTypeOf(request);
  if (type === 'application/json') {
    const body = request.body as IssueJson;
    validateIssueJson(body);
    const { csr, ...options } = body;
    const query = request.query;
    if (Object.keys(query).length > 0) {
      throw new KeylineError(
        'ERR_SERVER_BAD_REQUEST',
        'with a JSON body, give profile, requestId and validityDays in the body',
      );
    }
    return { csrText: csr, options };
  }
  if (type === undefined || !RAW_CSR_TYPES.includes(type)) {
    throw new KeylineError(
      'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
      `send the CSR as application/json, ${RAW_CSR_TYPES.join(', ')}${type === undefined ? '' : `, not ${type}`}`,
    );
  }
  const body = request.body;
  if (!(body instanceof Uint8Array) && typeof body !== 'string') {
    throw new KeylineError('ERR_SERVER_BAD_REQUEST', 'the request has no body: send a CSR');
  }
  return { csrText: body, options: request.query };
}

/** The JSON body's shape (the route takes several media types, so Fastify cannot validate it alone). */
function validateIssueJson(body: unknown): asserts body is IssueJson {
  const bad = (why: string): never => {
    throw new KeylineError('ERR_SERVER_BAD_REQUEST', `body ${why}`);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('must be a JSON object');
  const record = body as Record<string, unknown>;
  const allowed = Object.keys(IssueRequestSchema.properties);
  for (const key of Object.keys(record)) if (!allowed.includes(key)) bad(`has an unknown property ${key.slice(0, 40)}`);
  if (typeof record.csr !== 'string' || record.csr.length === 0 || record.csr.length > 16384) {
    bad('must have csr: a PEM or base64 CSR of at most 16384 characters');
  }
  if (record.profile !== undefined && !(ISSUE_PROFILES as readonly unknown[]).includes(record.profile)) {
    bad(`profile must be one of ${ISSUE_PROFILES.join(', ')}`);
  }
  if (
    record.requestId !== undefined &&
    (typeof record.requestId !== 'string' || !/^.{1,128}$/su.test(record.requestId))
  ) {
    bad('requestId must be a string of 1 to 128 characters');
  }
  if (
    record.validityDays !== undefined &&
    (typeof record.validityDays !== 'number' ||
      !Number.isInteger(record.validityDays) ||
      record.validityDays < 1 ||
      record.validityDays > 36500)
  ) {
    bad('validityDays must be an integer from 1 to 36500');
  }
}
