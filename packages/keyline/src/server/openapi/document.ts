import type { FastifySchema } from 'fastify';
import { NAMED_SCHEMAS } from './schemas.js';
import type { RouteDoc } from './route-doc.js';

/** One route as Fastify registered it, with its documentation. */
export interface DocumentedRoute {
  readonly method: string;
  readonly url: string;
  readonly schema: FastifySchema | undefined;
  readonly doc: RouteDoc;
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  200: 'OK',
  201: 'Created',
  400: 'Malformed request (bad JSON, base64, DER, CSR, or a field outside its schema)',
  401: 'No token, or an unknown or revoked one',
  403: 'The token’s role or manufacturer does not allow this',
  404: 'No such resource',
  409: 'Conflicts with stored state',
  413: 'Body larger than the server accepts',
  415: 'Content-Type not accepted here',
  422: 'Refused on its merits (CSR signature, profile, …)',
  503: 'Temporarily unavailable',
};

/**
 * The OpenAPI 3.1 document of the server, generated from the routes themselves (their Fastify
 * schemas and their `config.openapi`), so every route is listed with the schemas it validates and
 * serialises with. Schemas named in openapi/schemas.ts become components, referenced by $ref.
 */
export function buildOpenApiDocument(routes: readonly DocumentedRoute[], version: string): Record<string, unknown> {
  const names = new Map<object, string>(Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [schema, name]));
  const ref = (schema: unknown): unknown => withRefs(schema, names, true);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of [...routes].sort((a, b) => a.url.localeCompare(b.url))) {
    const path = openApiPath(route.url);
    const schema = (route.schema ?? {}) as {
      params?: JsonObject;
      querystring?: JsonObject;
      body?: JsonObject;
      response?: Record<string, unknown>;
    };
    const parameters = [
      ...parametersOf(schema.params, 'path', ref),
      ...parametersOf(schema.querystring, 'query', ref),
      ...(route.url.endsWith('*') ? [wildcardParameter()] : []),
    ];
    const operation: Record<string, unknown> = {
      operationId: `${route.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      summary: route.doc.summary,
      ...(route.doc.description === undefined ? {} : { description: route.doc.description }),
      tags: route.doc.tags,
      ...(route.doc.roles === undefined ? {} : { 'x-roles': route.doc.roles }),
      security: route.doc.security === undefined ? [] : route.doc.security.map((name) => ({ [name]: [] })),
      ...(parameters.length === 0 ? {} : { parameters }),
    };
    const body = requestBodyOf(schema.body, route.doc, ref);
    if (body !== undefined) operation.requestBody = body;
    operation.responses = responsesOf(schema.response, route.doc, ref);
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Keyline CA server',
      version,
      description:
        'REST API of the Keyline certificate authority, with its EST (RFC 7030), OCSP (RFC 6960) and CRL endpoints. ' +
        'Errors are RFC 9457 problem documents (application/problem+json) whose `code` is listed in docs/errors.md.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'CAs' },
      { name: 'Certificates' },
      { name: 'Manufacturers' },
      { name: 'API tokens' },
      { name: 'EST', description: 'RFC 7030 Enrollment over Secure Transport' },
      { name: 'OCSP', description: 'RFC 6960 responder' },
      { name: 'CRL' },
      { name: 'Device verification', description: 'Challenges and attestation tokens of devices (docs/mtls.md)' },
      { name: 'Operations' },
      { name: 'Documentation' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(NAMED_SCHEMAS).map(([name, schema]) => [name, withRefs(schema, names, false)]),
      ),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (`kl_…`), as `Authorization: Bearer <token>`.',
        },
        basic: { type: 'http', scheme: 'basic', description: 'EST only: any user name, the API token as password.' },
        mutualTLS: {
          type: 'mutualTLS',
          description: 'EST simplereenroll: the certificate being renewed, in the TLS handshake.',
        },
      },
    },
  };
}

type JsonObject = { readonly properties?: Record<string, unknown>; readonly required?: readonly string[] };

/** `/a/:b/*` → `/a/{b}/{request}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{request}');
}

function parametersOf(
  schema: JsonObject | undefined,
  where: 'path' | 'query',
  ref: (s: unknown) => unknown,
): unknown[] {
  if (schema?.properties === undefined) return [];
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    schema: ref(property),
  }));
}

function wildcardParameter(): unknown {
  return {
    name: 'request',
    in: 'path',
    required: true,
    description: 'The URL-encoded base64 (or base64url) of the DER OCSPRequest (RFC 6960 A.1).',
    schema: { type: 'string' },
  };
}

function requestBodyOf(body: JsonObject | undefined, doc: RouteDoc, ref: (s: unknown) => unknown): unknown {
  const content: Record<string, unknown> = {};
  if (body !== undefined) content['application/json'] = { schema: ref(body) };
  for (const [type, description] of Object.entries(doc.rawBody ?? {})) {
    content[type] =
      type === 'application/json' && description in NAMED_SCHEMAS
        ? { schema: { $ref: `#/components/schemas/${description}` } }
        : { schema: { type: 'string', description } };
  }
  return Object.keys(content).length === 0 ? undefined : { required: true, content };
}

function responsesOf(
  response: Record<string, unknown> | undefined,
  doc: RouteDoc,
  ref: (s: unknown) => unknown,
): unknown {
  const out: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response ?? {})) {
    out[status] = {
      description: STATUS_TEXT[status] ?? 'Response',
      content: { 'application/json': { schema: ref(schema) } },
    };
  }
  for (const [status, raw] of Object.entries(doc.rawResponses ?? {})) {
    out[status] = { description: raw.description, content: { [raw.type]: { schema: { type: 'string' } } } };
  }
  for (const status of doc.errors ?? []) {
    out[String(status)] ??= {
      description: STATUS_TEXT[String(status)] ?? 'Error',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  if (Object.keys(out).length === 0) out.default = { description: 'Response' };
  return out;
}

/** A copy of `schema` in which every named schema (but the top one, for components) becomes a $ref. */
function withRefs(schema: unknown, names: ReadonlyMap<object, string>, top: boolean): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const name = names.get(schema);
  if (name !== undefined && top) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(schema)) return schema.map((item) => withRefs(item, names, true));
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value, names, true)]));
}
