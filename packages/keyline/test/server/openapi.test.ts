import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath } from '../../src/server/openapi/document.js';
import { serverFixture, type ServerFixture } from './support/fixture.js';

let f: ServerFixture;
beforeAll(async () => {
  f = await serverFixture();
});
afterAll(() => f.close());

/**
 * Every route Fastify serves, as `method path`, read from its route tree (`printRoutes`): each
 * line is a segment under its parent, indented four characters per level, with its methods.
 */
function servedRoutes(): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of f.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/u.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    const segment = match[2]!.startsWith('*') ? `/${match[2]!}` : match[2]!;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + segment;
    stack[depth] = path;
    for (const method of match[3]!.split(', '))
      if (method !== 'HEAD') out.push(`${method.toLowerCase()} ${openApiPath(path)}`);
  }
  return out.sort();
}

interface OpenApi {
  openapi: string;
  paths: Record<
    string,
    Record<string, { summary: string; responses: Record<string, unknown>; parameters?: unknown[] }>
  >;
  components: { schemas: Record<string, unknown> };
}

async function document(): Promise<OpenApi> {
  const r = await f.app.inject({ url: '/api/v1/openapi.json' });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(r.body) as OpenApi;
}

/** The routes the server registers, by method and OpenAPI path (HEAD excluded). */
const EXPECTED: [string, string][] = [
  ['get', '/api/v1/cas'],
  ['get', '/api/v1/cas/{caId}'],
  ['post', '/api/v1/cas/{caId}/crl'],
  ['get', '/api/v1/certificates'],
  ['get', '/api/v1/certificates/{certificateId}'],
  ['get', '/api/v1/cas/{caId}/certificates/{serial}'],
  ['post', '/api/v1/cas/{caId}/certificates'],
  ['post', '/api/v1/cas/{caId}/certificates/{serial}/revoke'],
  ['get', '/api/v1/manufacturers'],
  ['post', '/api/v1/manufacturers'],
  ['get', '/api/v1/manufacturers/{manufacturerId}'],
  ['get', '/api/v1/manufacturers/{manufacturerId}/products'],
  ['post', '/api/v1/manufacturers/{manufacturerId}/products'],
  ['get', '/api/v1/tokens'],
  ['post', '/api/v1/tokens'],
  ['delete', '/api/v1/tokens/{tokenId}'],
  ['post', '/api/v1/challenges'],
  ['post', '/api/v1/verify'],
  ['get', '/.well-known/est/cacerts'],
  ['get', '/.well-known/est/{label}/cacerts'],
  ['get', '/.well-known/est/csrattrs'],
  ['get', '/.well-known/est/{label}/csrattrs'],
  ['post', '/.well-known/est/simpleenroll'],
  ['post', '/.well-known/est/{label}/simpleenroll'],
  ['post', '/.well-known/est/simplereenroll'],
  ['post', '/.well-known/est/{label}/simplereenroll'],
  ['post', '/ocsp/{caId}'],
  ['get', '/ocsp/{caId}/{request}'],
  ['get', '/crl/{file}'],
  ['get', '/healthz'],
  ['get', '/metrics'],
  ['get', '/api/v1/openapi.json'],
  ['get', '/api/v1/docs'],
];

describe('OpenAPI document (/api/v1/openapi.json)', () => {
  it('lists exactly the routes the server serves', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    const listed = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
      .sort();
    expect(servedRoutes().length).toBeGreaterThan(25);
    expect(listed).toEqual(servedRoutes());
    expect(listed).toEqual(EXPECTED.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of EXPECTED) {
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const found = f.app.hasRoute({
        method: method.toUpperCase() as 'GET',
        url: path.replace(/\{([^}]+)\}/g, ':$1').replace(':request', '*'),
      });
      expect(found, `${method} ${url}`).toBe(true);
    }
  });

  it('every operation has a summary and responses; every $ref resolves', async () => {
    const doc = await document();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty(ref);
  });

  it('documents the JSON schemas the API validates with (issue request, problems, paths parameters)', async () => {
    const doc = await document();
    const issue = doc.paths['/api/v1/cas/{caId}/certificates']!.post as unknown as {
      requestBody: { content: Record<string, unknown> };
      responses: Record<string, { content: Record<string, unknown> }>;
      parameters: { name: string; in: string }[];
    };
    expect(Object.keys(issue.requestBody.content)).toEqual(
      expect.arrayContaining(['application/json', 'application/pkcs10', 'application/x-pem-file']),
    );
    expect(issue.responses['201']!.content['application/json']).toEqual({
      schema: { $ref: '#/components/schemas/IssuedCertificate' },
    });
    expect(issue.responses['422']!.content['application/problem+json']).toEqual({
      schema: { $ref: '#/components/schemas/Problem' },
    });
    expect(issue.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['path:caId', 'query:profile', 'query:requestId', 'query:validityDays']),
    );
  });

  it('never documents a token hash or a key URI', async () => {
    const text = JSON.stringify(await document());
    expect(text).not.toMatch(/tokenHash|keyUri/);
  });

  it('maps Fastify paths to OpenAPI paths', () => {
    expect(openApiPath('/a/:b/c/:d')).toBe('/a/{b}/c/{d}');
    expect(openApiPath('/ocsp/:caId/*')).toBe('/ocsp/{caId}/{request}');
  });
});

describe('API page (/api/v1/docs)', () => {
  it('is self-contained HTML listing every endpoint', async () => {
    const r = await f.app.inject({ url: '/api/v1/docs' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    expect(r.body).not.toMatch(/<script|https?:\/\/(?!127)/);
    for (const [method, path] of EXPECTED) {
      expect(r.body).toContain(`>${method.toUpperCase()}</span> <span class="path">${path}<`);
    }
  });
});
