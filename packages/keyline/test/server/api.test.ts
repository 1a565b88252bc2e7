import { Certificate, encodePem } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, chip, deviceCsr, serverFixture, type ServerFixture } from './support/fixture.js';

let f: ServerFixture;
beforeAll(async () => {
  f = await serverFixture();
});
afterAll(() => f.close());

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
}

function problem(response: { statusCode: number; headers: Record<string, unknown>; body: string }): Problem {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body) as Problem;
  expect(body.status).toBe(response.statusCode);
  expect(body.type).toBe(`urn:keyline:error:${body.code}`);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

describe('authentication and roles (401 and 403 with problem documents)', () => {
  it('401 without a token, with WWW-Authenticate', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/api/v1/cas' });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(problem(r).code).toBe('ERR_SERVER_UNAUTHENTICATED');
  });

  it.each([
    ['an unknown token', 'Bearer kl_nobody'],
    ['a revoked token', 'REVOKED'],
    ['another scheme', 'Token abc'],
    ['an empty bearer', 'Bearer '],
    ['basic on the API', `Basic ${Buffer.from('x:y').toString('base64')}`],
  ])('401 for %s', async (_name, header) => {
    const value = header === 'REVOKED' ? `Bearer ${f.tokens.revoked}` : header;
    const r = await f.app.inject({ method: 'GET', url: '/api/v1/cas', headers: { authorization: value } });
    expect(r.statusCode).toBe(401);
    expect(problem(r).code).toBe('ERR_SERVER_BAD_TOKEN');
  });

  it('an operator sees only its manufacturer’s CAs; admin and auditor see all', async () => {
    const ids = async (secret: string) =>
      (
        JSON.parse((await f.app.inject({ url: '/api/v1/cas', headers: bearer(secret) })).body) as {
          items: { id: string }[];
        }
      ).items
        .map((c) => c.id)
        .sort();
    expect(await ids(f.tokens.operator)).toEqual([f.acme.id, f.line1.id].sort());
    expect(await ids(f.tokens.otherOperator)).toEqual([f.globex.id]);
    expect(await ids(f.tokens.admin)).toHaveLength(4);
    expect(await ids(f.tokens.auditor)).toHaveLength(4);
  });

  it('403 for an operator reading another manufacturer’s CA', async () => {
    const r = await f.app.inject({ url: `/api/v1/cas/${f.globex.id}`, headers: bearer(f.tokens.operator) });
    expect(r.statusCode).toBe(403);
    expect(problem(r).code).toBe('ERR_SERVER_FORBIDDEN');
  });

  it('403 for an auditor issuing, and for an operator issuing at another manufacturer’s CA', async () => {
    const csr = encodePem('CERTIFICATE REQUEST', await deviceCsr(chip()));
    const auditor = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates`,
      headers: { ...bearer(f.tokens.auditor), 'content-type': 'application/x-pem-file' },
      payload: csr,
    });
    expect(auditor.statusCode).toBe(403);
    const other = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates`,
      headers: { ...bearer(f.tokens.otherOperator), 'content-type': 'application/x-pem-file' },
      payload: csr,
    });
    expect(other.statusCode).toBe(403);
    expect(problem(other).code).toBe('ERR_SERVER_FORBIDDEN');
  });
});

describe('CAs', () => {
  it('detail carries the certificate, the chain to the root and service URLs', async () => {
    const r = await f.app.inject({ url: `/api/v1/cas/${f.line1.id}`, headers: bearer(f.tokens.auditor) });
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body) as Record<string, string>;
    expect(body.label).toBe('line1');
    expect(body.kind).toBe('issuing');
    expect(body.crlUrl).toBe(`/crl/${f.line1.id}.crl`);
    expect(body.ocspUrl).toBe(`/ocsp/${f.line1.id}`);
    expect(body.estUrl).toBe('/.well-known/est/line1/');
    expect(Certificate.fromPem(body.certificatePem!).fingerprint).toBe(f.line1.fingerprint);
    expect(body.chainPem!.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    expect(body).not.toHaveProperty('keyUri');
  });

  it('404 for an unknown CA', async () => {
    const r = await f.app.inject({ url: '/api/v1/cas/ca_nope', headers: bearer(f.tokens.admin) });
    expect(r.statusCode).toBe(404);
    expect(problem(r).code).toBe('ERR_CA_NOT_FOUND');
  });

  it('filters by kind', async () => {
    const r = await f.app.inject({ url: '/api/v1/cas?kind=issuing', headers: bearer(f.tokens.admin) });
    expect((JSON.parse(r.body) as { items: unknown[] }).items).toHaveLength(1);
  });
});

describe('certificates: issue, search, detail, revoke', () => {
  let serial = '';
  let id = '';

  it('issues from a PEM body (201), the certificate chaining to the CA', async () => {
    const deviceId = chip();
    const r = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates`,
      headers: { ...bearer(f.tokens.operator), 'content-type': 'application/x-pem-file' },
      payload: encodePem('CERTIFICATE REQUEST', await deviceCsr(deviceId)),
    });
    expect(r.statusCode).toBe(201);
    const body = JSON.parse(r.body) as Record<string, string | boolean>;
    expect(body.reused).toBe(false);
    expect(body.status).toBe('valid');
    expect(body.deviceId).toBe(deviceId);
    const cert = Certificate.fromPem(body.certificatePem as string);
    expect(cert.serialHex).toBe(body.serial);
    expect(Buffer.compare(cert.issuer.der, Certificate.fromDer(f.line1.certificateDer!).subject.der)).toBe(0);
    serial = body.serial as string;
    id = body.id as string;
  });

  it('issues from DER (application/pkcs10), from base64, and from JSON', async () => {
    const der = await deviceCsr(chip());
    const a = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates?profile=device`,
      headers: { ...bearer(f.tokens.admin), 'content-type': 'application/pkcs10' },
      payload: Buffer.from(der),
    });
    expect(a.statusCode).toBe(201);
    const b = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates`,
      headers: { ...bearer(f.tokens.admin), 'content-type': 'application/pkcs10' },
      payload: Buffer.from(await deviceCsr(chip())).toString('base64'),
    });
    expect(b.statusCode).toBe(201);
    const c = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates`,
      headers: bearer(f.tokens.admin),
      payload: { csr: encodePem('CERTIFICATE REQUEST', await deviceCsr(chip())), profile: 'device' },
    });
    expect(c.statusCode).toBe(201);
  });

  it('the same requestId returns the same certificate (200, reused)', async () => {
    const csr = encodePem('CERTIFICATE REQUEST', await deviceCsr(chip()));
    const send = () =>
      f.app.inject({
        method: 'POST',
        url: `/api/v1/cas/${f.line1.id}/certificates`,
        headers: bearer(f.tokens.admin),
        payload: { csr, requestId: 'order-42' },
      });
    const first = await send();
    const second = await send();
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    const [a, b] = [first, second].map((r) => JSON.parse(r.body) as { serial: string; reused: boolean });
    expect(b!.serial).toBe(a!.serial);
    expect(b!.reused).toBe(true);
  });

  it('counts the issuance in the metrics', async () => {
    const text = await f.metrics.registry.metrics();
    expect(text).toMatch(
      new RegExp(`keyline_certificates_issued_total\\{ca="${f.line1.id}",profile="device",via="api"\\} [4-9]`),
    );
  });

  it('detail by id and by CA + serial (any case, colons)', async () => {
    const byId = await f.app.inject({ url: `/api/v1/certificates/${id}`, headers: bearer(f.tokens.auditor) });
    expect(byId.statusCode).toBe(200);
    const colons = serial.toUpperCase().match(/../g)!.join(':');
    const bySerial = await f.app.inject({
      url: `/api/v1/cas/${f.line1.id}/certificates/${colons}`,
      headers: bearer(f.tokens.auditor),
    });
    expect(bySerial.statusCode).toBe(200);
    expect(JSON.parse(bySerial.body)).toEqual(JSON.parse(byId.body));
  });

  it('404 for an unknown serial and an unknown id', async () => {
    const a = await f.app.inject({
      url: `/api/v1/cas/${f.line1.id}/certificates/0badc0de`,
      headers: bearer(f.tokens.admin),
    });
    expect(a.statusCode).toBe(404);
    expect(problem(a).code).toBe('ERR_CA_CERTIFICATE_NOT_FOUND');
    const b = await f.app.inject({ url: '/api/v1/certificates/cert_nope', headers: bearer(f.tokens.admin) });
    expect(b.statusCode).toBe(404);
  });

  it('searches with pagination, and scopes an operator to its manufacturer', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/certificates?caId=${f.line1.id}&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const r = await f.app.inject({ url, headers: bearer(f.tokens.admin) });
      expect(r.statusCode).toBe(200);
      const page = JSON.parse(r.body) as { items: { serial: string }[]; next: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((c) => c.serial));
      cursor = page.next;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(serial);
    expect(seen.length).toBeGreaterThanOrEqual(5);

    const other = await f.app.inject({
      url: `/api/v1/certificates?caId=${f.line1.id}`,
      headers: bearer(f.tokens.otherOperator),
    });
    expect((JSON.parse(other.body) as { items: unknown[] }).items).toEqual([]);
    const forbidden = await f.app.inject({
      url: '/api/v1/certificates?manufacturerId=acme',
      headers: bearer(f.tokens.otherOperator),
    });
    expect(forbidden.statusCode).toBe(403);
    const bySerial = await f.app.inject({
      url: `/api/v1/certificates?serial=${serial}`,
      headers: bearer(f.tokens.operator),
    });
    expect((JSON.parse(bySerial.body) as { items: { id: string }[] }).items.map((c) => c.id)).toEqual([id]);
  });

  it('revokes; a second revocation is a conflict', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${serial}/revoke`,
      headers: bearer(f.tokens.operator),
      payload: { reason: 'keyCompromise' },
    });
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body) as Record<string, string>;
    expect(body.status).toBe('revoked');
    expect(body.revocationReason).toBe('keyCompromise');
    const again = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${serial}/revoke`,
      headers: bearer(f.tokens.operator),
      payload: { reason: 'keyCompromise' },
    });
    expect(again.statusCode).toBe(409);
    expect(problem(again).code).toMatch(/^ERR_(CA_ALREADY_REVOKED|STORE_CONFLICT)$/);
    expect(await f.metrics.registry.metrics()).toContain(
      `keyline_certificates_revoked_total{ca="${f.line1.id}",reason="keyCompromise"} 1`,
    );
  });

  it('signs a CRL on demand (POST /api/v1/cas/:id/crl)', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/crl`,
      headers: bearer(f.tokens.operator),
    });
    expect(r.statusCode).toBe(201);
    const body = JSON.parse(r.body) as { number: string; crlUrl: string };
    expect(Number(body.number)).toBeGreaterThan(0);
    expect(body.crlUrl).toBe(`/crl/${f.line1.id}.crl`);
  });
});

describe('manufacturers and products', () => {
  it('admin admits a manufacturer; a duplicate is a conflict; operators see only theirs', async () => {
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/manufacturers',
      headers: bearer(f.tokens.admin),
      payload: { id: 'initech', name: 'Initech' },
    });
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ id: 'initech', name: 'Initech' });
    const duplicate = await f.app.inject({
      method: 'POST',
      url: '/api/v1/manufacturers',
      headers: bearer(f.tokens.admin),
      payload: { id: 'initech', name: 'Initech again' },
    });
    expect(duplicate.statusCode).toBe(409);
    const operatorList = await f.app.inject({ url: '/api/v1/manufacturers', headers: bearer(f.tokens.operator) });
    expect((JSON.parse(operatorList.body) as { items: { id: string }[] }).items.map((m) => m.id)).toEqual(['acme']);
    const forbidden = await f.app.inject({
      method: 'POST',
      url: '/api/v1/manufacturers',
      headers: bearer(f.tokens.operator),
      payload: { id: 'evil', name: 'Evil' },
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('an operator adds products to its own manufacturer only', async () => {
    const own = await f.app.inject({
      method: 'POST',
      url: '/api/v1/manufacturers/acme/products',
      headers: bearer(f.tokens.operator),
      payload: { id: 'sensor-2', name: 'Sensor 2' },
    });
    expect(own.statusCode).toBe(201);
    const list = await f.app.inject({ url: '/api/v1/manufacturers/acme/products', headers: bearer(f.tokens.auditor) });
    expect((JSON.parse(list.body) as { items: { id: string }[] }).items.map((p) => p.id)).toContain('sensor-2');
    const other = await f.app.inject({
      method: 'POST',
      url: '/api/v1/manufacturers/globex/products',
      headers: bearer(f.tokens.operator),
      payload: { id: 'x', name: 'X' },
    });
    expect(other.statusCode).toBe(403);
    const missing = await f.app.inject({ url: '/api/v1/manufacturers/nope', headers: bearer(f.tokens.admin) });
    expect(missing.statusCode).toBe(404);
  });
});

describe('API tokens (admin only)', () => {
  it('creates a token whose secret is shown once and works at once; list never shows secrets; revoke stops it', async () => {
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(f.tokens.admin),
      payload: { name: 'line operator', role: 'operator', manufacturerId: 'acme' },
    });
    expect(created.statusCode).toBe(201);
    const { token, secret } = JSON.parse(created.body) as { token: { id: string; role: string }; secret: string };
    expect(secret).toMatch(/^kl_[A-Za-z0-9_-]{43}$/);
    expect(token.role).toBe('operator');

    const works = await f.app.inject({ url: '/api/v1/cas', headers: bearer(secret) });
    expect(works.statusCode).toBe(200);

    const list = await f.app.inject({ url: '/api/v1/tokens', headers: bearer(f.tokens.admin) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    expect(list.body).not.toMatch(/tokenHash|token_hash/);
    expect((JSON.parse(list.body) as { items: { id: string }[] }).items.map((t) => t.id)).toContain(token.id);

    const revoked = await f.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${token.id}`,
      headers: bearer(f.tokens.admin),
    });
    expect(revoked.statusCode).toBe(200);
    expect((JSON.parse(revoked.body) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    const stopped = await f.app.inject({ url: '/api/v1/cas', headers: bearer(secret) });
    expect(stopped.statusCode).toBe(401);
    const twice = await f.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${token.id}`,
      headers: bearer(f.tokens.admin),
    });
    expect(twice.statusCode).toBe(409);
  });

  it('records token and manufacturer changes in the audit log', async () => {
    const entries = await f.store.audit.range(1, await f.store.audit.count());
    const actions = entries.map((e) => e.action);
    expect(actions).toContain('token.create');
    expect(actions).toContain('token.revoke');
    expect(actions).toContain('manufacturer.create');
    expect(actions).toContain('product.create');
    expect(JSON.stringify(entries)).not.toMatch(/kl_[A-Za-z0-9_-]{43}/);
  });

  it.each(['operator', 'auditor'] as const)('403 for an %s', async (who) => {
    const r = await f.app.inject({ url: '/api/v1/tokens', headers: bearer(f.tokens[who]) });
    expect(r.statusCode).toBe(403);
  });

  it('refuses an operator token without a manufacturer and one for an unknown manufacturer', async () => {
    const a = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(f.tokens.admin),
      payload: { name: 'x', role: 'operator' },
    });
    expect(a.statusCode).toBe(400);
    const b = await f.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(f.tokens.admin),
      payload: { name: 'x', role: 'operator', manufacturerId: 'nobody' },
    });
    expect(b.statusCode).toBe(422);
    expect(problem(b).code).toBe('ERR_SERVER_UNKNOWN_MANUFACTURER');
  });
});
