import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { Certificate, OcspResponse, buildCsr, encodeName, encodePem, generateSigner } from '@keyline/core';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaRecord } from '../../src/ca/records.js';
import { ATTR, bearer, chip, deviceCsr, serverFixture, type ServerFixture } from './support/fixture.js';

/**
 * Issue 3, section 4: bad input on every endpoint ends in a 4xx problem document with a code and
 * a message, and the database is unchanged (every table compared before and after).
 */

let f: ServerFixture;
let goodCsr: Uint8Array;
let badSignatureCsr: Uint8Array;
let profileViolationCsr: Uint8Array;
let p384Csr: Uint8Array;
let revokedCa: CaRecord;
let retiredCa: CaRecord;
let issuedSerial: string;

beforeAll(async () => {
  f = await serverFixture();
  goodCsr = await deviceCsr(chip());
  badSignatureCsr = new Uint8Array(goodCsr);
  badSignatureCsr[badSignatureCsr.length - 1]! ^= 0x01;
  profileViolationCsr = await buildCsr({
    subject: encodeName([[ATTR.cn('not-a-chip-serial')]]),
    signer: generateSigner('P-256'),
  });
  p384Csr = await deviceCsr(chip(), generateSigner('P-384'));
  // A CA whose own certificate its parent revoked, and a retired one.
  revokedCa = await f.ca.createCa(
    { parentId: f.acme.id, name: 'Revoked Line', kind: 'issuing', manufacturerId: 'acme', label: 'revoked-line' },
    CLI_ACTOR,
  );
  await f.ca.revoke(
    {
      caId: f.acme.id,
      serialHex: Certificate.fromDer(revokedCa.certificateDer!).serialHex,
      reason: 'cessationOfOperation',
    },
    CLI_ACTOR,
  );
  retiredCa = await f.ca.createCa(
    { parentId: f.acme.id, name: 'Retired Line', kind: 'issuing', manufacturerId: 'acme', label: 'retired-line' },
    CLI_ACTOR,
  );
  await f.store.cas.setStatus(retiredCa.id, 'retired');
  issuedSerial = (await f.ca.issue({ caId: f.line1.id, csrDer: await deviceCsr(chip()), profile: 'device' }, CLI_ACTOR))
    .record.serialHex;
  // Fill the lazily made state (OCSP signers, first CRLs) so that only bad requests remain to compare.
  await f.app.inject({ url: `/crl/${f.line1.id}.crl` });
});
afterAll(() => f.close());

interface Case {
  readonly name: string;
  readonly request: () => InjectOptions;
  readonly status: number;
  /** Expected problem code (a RegExp for codes from the DER layer, which depend on the defect). */
  readonly code: string | RegExp;
}

const issueUrl = () => `/api/v1/cas/${f.line1.id}/certificates`;
const admin = () => bearer(f.tokens.admin);
const big = 'A'.repeat(80 * 1024);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const pkcs10 = { 'content-type': 'application/pkcs10' };

const apiCases: Case[] = [
  {
    name: 'issue: malformed JSON',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), 'content-type': 'application/json' },
      payload: '{"csr":',
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_JSON',
  },
  {
    name: 'issue: JSON of the wrong shape',
    request: () => ({ method: 'POST', url: issueUrl(), headers: admin(), payload: { csr: 5 } }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'issue: JSON with an unknown field',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: admin(),
      payload: { csr: encodePem('CERTIFICATE REQUEST', goodCsr), extra: 1 },
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'issue: JSON array',
    request: () => ({ method: 'POST', url: issueUrl(), headers: admin(), payload: '[1]' }),
    status: 415,
    code: 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'issue: unknown profile',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: admin(),
      payload: { csr: encodePem('CERTIFICATE REQUEST', goodCsr), profile: 'root' },
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'issue: wrong content type',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), 'content-type': 'application/xml' },
      payload: '<csr/>',
    }),
    status: 415,
    code: 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'issue: no body',
    request: () => ({ method: 'POST', url: issueUrl(), headers: admin() }),
    status: 415,
    code: 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'issue: oversized body',
    request: () => ({ method: 'POST', url: issueUrl(), headers: { ...admin(), ...pkcs10 }, payload: big }),
    status: 413,
    code: 'ERR_SERVER_BODY_TOO_LARGE',
  },
  {
    name: 'issue: bad base64',
    request: () => ({ method: 'POST', url: issueUrl(), headers: { ...admin(), ...pkcs10 }, payload: 'not base64!!' }),
    status: 400,
    code: 'ERR_SERVER_BAD_BASE64',
  },
  {
    name: 'issue: malformed DER',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr.subarray(0, 60)),
    }),
    status: 400,
    code: /^ERR_(DER|X509)_/,
  },
  {
    name: 'issue: DER with trailing bytes',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.concat([goodCsr, Buffer.of(0)]),
    }),
    status: 400,
    code: 'ERR_DER_TRAILING_BYTES',
  },
  {
    name: 'issue: base64 of garbage',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: b64(Buffer.from('hello world, not DER')),
    }),
    status: 400,
    code: /^ERR_(DER|X509)_/,
  },
  {
    name: 'issue: broken PEM',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), 'content-type': 'text/plain' },
      payload: '-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n-----END CERTIFICATE REQUEST-----\n',
    }),
    status: 400,
    code: 'ERR_PEM_MALFORMED',
  },
  {
    name: 'issue: a certificate instead of a CSR',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(f.line1.certificateDer!),
    }),
    status: 400,
    code: /^ERR_(DER|X509)_/,
  },
  {
    name: 'issue: CSR with a bad signature',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(badSignatureCsr),
    }),
    status: 422,
    code: 'ERR_CA_CSR_SIGNATURE',
  },
  {
    name: 'issue: CSR against the profile (subject)',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(profileViolationCsr),
    }),
    status: 422,
    code: 'ERR_CA_PROFILE_VIOLATION',
  },
  {
    name: 'issue: CSR against the profile (P-384 key)',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(p384Csr),
    }),
    status: 422,
    code: 'ERR_CA_PROFILE_VIOLATION',
  },
  {
    name: 'issue: ldevid validity beyond the profile',
    request: () => ({
      method: 'POST',
      url: `${issueUrl()}?profile=ldevid&validityDays=5000`,
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 400,
    code: 'ERR_CA_BAD_INPUT',
  },
  {
    name: 'issue: bad query value',
    request: () => ({
      method: 'POST',
      url: `${issueUrl()}?validityDays=ten`,
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'issue: unknown CA',
    request: () => ({
      method: 'POST',
      url: '/api/v1/cas/ca_nope/certificates',
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 404,
    code: 'ERR_CA_NOT_FOUND',
  },
  {
    name: 'issue: a CA whose certificate is revoked',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${revokedCa.id}/certificates`,
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 409,
    code: 'ERR_CA_NOT_ACTIVE',
  },
  {
    name: 'issue: a retired CA',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${retiredCa.id}/certificates`,
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 409,
    code: 'ERR_CA_NOT_ACTIVE',
  },
  {
    name: 'issue: at the root',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.root.id}/certificates`,
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 422,
    code: 'ERR_CA_WRONG_KIND',
  },
  {
    name: 'issue: missing token',
    request: () => ({ method: 'POST', url: issueUrl(), headers: pkcs10, payload: Buffer.from(goodCsr) }),
    status: 401,
    code: 'ERR_SERVER_UNAUTHENTICATED',
  },
  {
    name: 'issue: wrong token',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...bearer('kl_wrong'), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 401,
    code: 'ERR_SERVER_BAD_TOKEN',
  },
  {
    name: 'issue: revoked token',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...bearer(f.tokens.revoked), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 401,
    code: 'ERR_SERVER_BAD_TOKEN',
  },
  {
    name: 'issue: auditor',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...bearer(f.tokens.auditor), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 403,
    code: 'ERR_SERVER_FORBIDDEN',
  },
  {
    name: 'issue: operator of another manufacturer',
    request: () => ({
      method: 'POST',
      url: issueUrl(),
      headers: { ...bearer(f.tokens.otherOperator), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 403,
    code: 'ERR_SERVER_FORBIDDEN',
  },
  {
    name: 'revoke: unknown reason',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${issuedSerial}/revoke`,
      headers: admin(),
      payload: { reason: 'boredom' },
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'revoke: no body',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${issuedSerial}/revoke`,
      headers: admin(),
    }),
    status: 400,
    code: /^ERR_SERVER_(BAD_REQUEST|BAD_JSON|UNSUPPORTED_MEDIA_TYPE)$/,
  },
  {
    name: 'revoke: malformed JSON',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${issuedSerial}/revoke`,
      headers: { ...admin(), 'content-type': 'application/json' },
      payload: '{reason',
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_JSON',
  },
  {
    name: 'revoke: wrong content type',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${issuedSerial}/revoke`,
      headers: { ...admin(), 'content-type': 'application/pkcs10' },
      payload: 'x',
    }),
    status: 400,
    code: /^ERR_SERVER_(BAD_REQUEST|UNSUPPORTED_MEDIA_TYPE)$/,
  },
  {
    name: 'revoke: serial not hex',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/xyz/revoke`,
      headers: admin(),
      payload: { reason: 'superseded' },
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'revoke: unknown serial',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/0badc0de/revoke`,
      headers: admin(),
      payload: { reason: 'superseded' },
    }),
    status: 404,
    code: 'ERR_CA_CERTIFICATE_NOT_FOUND',
  },
  {
    name: 'revoke: unknown CA',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/ca_nope/certificates/${issuedSerial}/revoke`,
      headers: admin(),
      payload: { reason: 'superseded' },
    }),
    status: 404,
    code: 'ERR_CA_NOT_FOUND',
  },
  {
    name: 'revoke: auditor',
    request: () => ({
      method: 'POST',
      url: `/api/v1/cas/${f.line1.id}/certificates/${issuedSerial}/revoke`,
      headers: bearer(f.tokens.auditor),
      payload: { reason: 'superseded' },
    }),
    status: 403,
    code: 'ERR_SERVER_FORBIDDEN',
  },
  {
    name: 'search: limit out of range',
    request: () => ({ url: '/api/v1/certificates?limit=0', headers: admin() }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'search: unknown parameter',
    request: () => ({ url: '/api/v1/certificates?color=red', headers: admin() }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'search: bad serial',
    request: () => ({ url: '/api/v1/certificates?serial=zz', headers: admin() }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'tokens: missing fields',
    request: () => ({ method: 'POST', url: '/api/v1/tokens', headers: admin(), payload: { name: 'x' } }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'tokens: unknown role',
    request: () => ({ method: 'POST', url: '/api/v1/tokens', headers: admin(), payload: { name: 'x', role: 'root' } }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'tokens: malformed JSON',
    request: () => ({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { ...admin(), 'content-type': 'application/json' },
      payload: '{',
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_JSON',
  },
  {
    name: 'tokens: operator creating',
    request: () => ({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: bearer(f.tokens.operator),
      payload: { name: 'x', role: 'admin' },
    }),
    status: 403,
    code: 'ERR_SERVER_FORBIDDEN',
  },
  {
    name: 'tokens: revoke unknown',
    request: () => ({ method: 'DELETE', url: '/api/v1/tokens/tok_nope', headers: admin() }),
    status: 404,
    code: 'ERR_SERVER_NOT_FOUND',
  },
  {
    name: 'manufacturers: bad id',
    request: () => ({
      method: 'POST',
      url: '/api/v1/manufacturers',
      headers: admin(),
      payload: { id: 'Bad Id!', name: 'x' },
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'manufacturers: duplicate',
    request: () => ({
      method: 'POST',
      url: '/api/v1/manufacturers',
      headers: admin(),
      payload: { id: 'acme', name: 'Acme again' },
    }),
    status: 409,
    code: 'ERR_STORE_CONFLICT',
  },
  {
    name: 'products: unknown manufacturer',
    request: () => ({
      method: 'POST',
      url: '/api/v1/manufacturers/nobody/products',
      headers: admin(),
      payload: { id: 'p', name: 'P' },
    }),
    status: 404,
    code: 'ERR_SERVER_NOT_FOUND',
  },
  {
    name: 'CRL on demand: auditor',
    request: () => ({ method: 'POST', url: `/api/v1/cas/${f.line1.id}/crl`, headers: bearer(f.tokens.auditor) }),
    status: 403,
    code: 'ERR_SERVER_FORBIDDEN',
  },
  {
    name: 'unknown route',
    request: () => ({ url: '/api/v1/nothing', headers: admin() }),
    status: 404,
    code: 'ERR_SERVER_NOT_FOUND',
  },
  {
    name: 'unknown method',
    request: () => ({ method: 'PUT', url: '/api/v1/cas', headers: admin() }),
    status: 404,
    code: 'ERR_SERVER_NOT_FOUND',
  },
];

const enrollUrl = '/.well-known/est/simpleenroll';
const estCases: Case[] = [
  {
    name: 'EST simpleenroll: no credentials',
    request: () => ({ method: 'POST', url: enrollUrl, headers: pkcs10, payload: b64(goodCsr) }),
    status: 401,
    code: 'ERR_SERVER_UNAUTHENTICATED',
  },
  {
    name: 'EST simpleenroll: wrong Basic password',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...pkcs10, authorization: `Basic ${b64(Buffer.from('est:kl_wrong'))}` },
      payload: b64(goodCsr),
    }),
    status: 401,
    code: 'ERR_SERVER_BAD_TOKEN',
  },
  {
    name: 'EST simpleenroll: wrong content type',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...admin(), 'content-type': 'text/plain' },
      payload: b64(goodCsr),
    }),
    status: 415,
    code: 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'EST simpleenroll: DER instead of base64',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...admin(), ...pkcs10 },
      payload: Buffer.from(goodCsr),
    }),
    status: 400,
    code: 'ERR_SERVER_BAD_BASE64',
  },
  {
    name: 'EST simpleenroll: empty body',
    request: () => ({ method: 'POST', url: enrollUrl, headers: { ...admin(), ...pkcs10 }, payload: '' }),
    status: 400,
    code: /^ERR_SERVER_(BAD_BASE64|BAD_REQUEST)$/,
  },
  {
    name: 'EST simpleenroll: base64 of garbage',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...admin(), ...pkcs10 },
      payload: b64(Buffer.from('garbage garbage')),
    }),
    status: 400,
    code: /^ERR_(DER|X509)_/,
  },
  {
    name: 'EST simpleenroll: bad CSR signature',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...admin(), ...pkcs10 },
      payload: b64(badSignatureCsr),
    }),
    status: 400,
    code: 'ERR_CA_CSR_SIGNATURE',
  },
  {
    name: 'EST simpleenroll: CSR against the profile',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...admin(), ...pkcs10 },
      payload: b64(profileViolationCsr),
    }),
    status: 400,
    code: 'ERR_CA_PROFILE_VIOLATION',
  },
  {
    name: 'EST simpleenroll: oversized',
    request: () => ({ method: 'POST', url: enrollUrl, headers: { ...admin(), ...pkcs10 }, payload: big }),
    status: 413,
    code: 'ERR_SERVER_BODY_TOO_LARGE',
  },
  {
    name: 'EST simpleenroll: unknown CA label',
    request: () => ({
      method: 'POST',
      url: '/.well-known/est/nope/simpleenroll',
      headers: { ...admin(), ...pkcs10 },
      payload: b64(goodCsr),
    }),
    status: 404,
    code: 'ERR_CA_NOT_FOUND',
  },
  {
    name: 'EST simpleenroll: revoked CA',
    request: () => ({
      method: 'POST',
      url: '/.well-known/est/revoked-line/simpleenroll',
      headers: { ...admin(), ...pkcs10 },
      payload: b64(goodCsr),
    }),
    status: 409,
    code: 'ERR_CA_NOT_ACTIVE',
  },
  {
    name: 'EST simpleenroll: auditor',
    request: () => ({
      method: 'POST',
      url: enrollUrl,
      headers: { ...bearer(f.tokens.auditor), ...pkcs10 },
      payload: b64(goodCsr),
    }),
    status: 403,
    code: 'ERR_SERVER_FORBIDDEN',
  },
  {
    name: 'EST simplereenroll: no TLS client certificate',
    request: () => ({ method: 'POST', url: '/.well-known/est/simplereenroll', headers: pkcs10, payload: b64(goodCsr) }),
    status: 401,
    code: 'ERR_SERVER_CLIENT_CERT_REQUIRED',
  },
  {
    name: 'EST cacerts: unknown label',
    request: () => ({ url: '/.well-known/est/nope/cacerts' }),
    status: 404,
    code: 'ERR_CA_NOT_FOUND',
  },
  {
    name: 'EST csrattrs: unknown label',
    request: () => ({ url: '/.well-known/est/nope/csrattrs' }),
    status: 404,
    code: 'ERR_CA_NOT_FOUND',
  },
];

const otherCases: Case[] = [
  {
    name: 'OCSP GET: a path that is not URL encoding',
    request: () => ({ url: `/ocsp/${f.line1.id}/%%%` }),
    status: 400,
    code: 'ERR_SERVER_BAD_REQUEST',
  },
  {
    name: 'OCSP POST: wrong content type',
    request: () => ({
      method: 'POST',
      url: `/ocsp/${f.line1.id}`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    }),
    status: 415,
    code: 'ERR_SERVER_UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'OCSP POST: oversized',
    request: () => ({
      method: 'POST',
      url: `/ocsp/${f.line1.id}`,
      headers: { 'content-type': 'application/ocsp-request' },
      payload: big,
    }),
    status: 413,
    code: 'ERR_SERVER_BODY_TOO_LARGE',
  },
  { name: 'CRL: unknown CA', request: () => ({ url: '/crl/ca_nope.crl' }), status: 404, code: 'ERR_CA_NOT_FOUND' },
  {
    name: 'CRL: not a .crl name',
    request: () => ({ url: `/crl/${f.line1.id}` }),
    status: 404,
    code: 'ERR_SERVER_NOT_FOUND',
  },
];

describe('bad input: a 4xx problem with a code and a message, and the database unchanged', () => {
  it.each([...apiCases, ...estCases, ...otherCases].map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = f.snapshot();
    const r = await f.app.inject(c.request());
    expect(r.statusCode, r.body).toBe(c.status);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(r.body) as { code: string; detail: string; status: number; title: string };
    if (typeof c.code === 'string') expect(body.code).toBe(c.code);
    else expect(body.code).toMatch(c.code);
    expect(body.status).toBe(c.status);
    expect(body.detail.length).toBeGreaterThan(5);
    expect(f.snapshot()).toEqual(before);
  });
});

describe('OCSP bad input: an OCSP error response (RFC 6960 4.2.1), the database unchanged', () => {
  const cases: [string, () => InjectOptions, number, string][] = [
    [
      'POST of garbage',
      () => ({
        method: 'POST',
        url: `/ocsp/${f.line1.id}`,
        headers: { 'content-type': 'application/ocsp-request' },
        payload: Buffer.from('garbage'),
      }),
      400,
      'malformedRequest',
    ],
    [
      'POST of an empty body',
      () => ({
        method: 'POST',
        url: `/ocsp/${f.line1.id}`,
        headers: { 'content-type': 'application/ocsp-request' },
        payload: Buffer.alloc(0),
      }),
      400,
      'malformedRequest',
    ],
    [
      'POST of a certificate',
      () => ({
        method: 'POST',
        url: `/ocsp/${f.line1.id}`,
        headers: { 'content-type': 'application/ocsp-request' },
        payload: Buffer.from(f.line1.certificateDer!),
      }),
      400,
      'malformedRequest',
    ],
    ['GET of bad base64', () => ({ url: `/ocsp/${f.line1.id}/!!!!` }), 400, 'malformedRequest'],
    [
      'GET of base64 garbage',
      () => ({ url: `/ocsp/${f.line1.id}/${encodeURIComponent(b64(Buffer.from('not an ocsp request')))}` }),
      400,
      'malformedRequest',
    ],
    [
      'GET of an unknown CA',
      () => ({ url: `/ocsp/ca_nope/${encodeURIComponent(b64(Buffer.from('x')))}` }),
      400,
      'malformedRequest',
    ],
  ];
  it.each(cases)('%s', async (_name, request, http, status) => {
    const before = f.snapshot();
    const r = await f.app.inject(request());
    expect(r.statusCode).toBe(http);
    expect(r.headers['content-type']).toBe('application/ocsp-response');
    expect(r.headers['x-keyline-error-code']).toMatch(/^ERR_/);
    expect(OcspResponse.fromDer(new Uint8Array(r.rawPayload)).status).toBe(status);
    expect(f.snapshot()).toEqual(before);
  });
});
