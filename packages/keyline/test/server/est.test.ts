import { request as httpsRequest } from 'node:https';
import {
  Certificate,
  OID,
  Tag,
  buildCsr,
  decodeCertsOnly,
  encodeName,
  encodePem,
  generateSigner,
  namesEqual,
  parseDer,
  DerCursor,
  readOid,
  selfSign,
  type SoftwareSigner,
} from '@keyline/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { createServer, loadOrCreateServerTls, type ServerTlsFiles } from '../../src/server/index.js';
import { ATTR, bearer, chip, deviceCsr, serverFixture, type ServerFixture } from './support/fixture.js';

let f: ServerFixture;
beforeAll(async () => {
  f = await serverFixture();
});
afterAll(() => f.close());

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const pkcs10 = { 'content-type': 'application/pkcs10' };

/** The certificates of a base64 certs-only body (RFC 7030 4.1.3). */
function certsOf(body: string): Certificate[] {
  return decodeCertsOnly(new Uint8Array(Buffer.from(body, 'base64'))).certificates.map((c) => Certificate.fromDer(c));
}

describe('EST cacerts and csrattrs (public, RFC 7030 4.1 and 4.5)', () => {
  it('cacerts of the default CA: the issuing CA and its issuers up to the root, certs-only base64', async () => {
    const r = await f.app.inject({ url: '/.well-known/est/cacerts' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pkcs7-mime; smime-type=certs-only');
    expect(r.headers['content-transfer-encoding']).toBe('base64');
    const fingerprints = certsOf(r.body)
      .map((c) => c.fingerprint)
      .sort();
    expect(fingerprints).toEqual([f.line1, f.acme, f.root].map((c) => c.fingerprint).sort());
  });

  it('cacerts by label', async () => {
    const r = await f.app.inject({ url: '/.well-known/est/globex/cacerts' });
    expect(
      certsOf(r.body)
        .map((c) => c.fingerprint)
        .sort(),
    ).toEqual([f.globex, f.root].map((c) => c.fingerprint).sort());
  });

  it('csrattrs: ecdsa-with-SHA256, P-256 and the device subject attributes', async () => {
    const r = await f.app.inject({ url: '/.well-known/est/line1/csrattrs' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/csrattrs');
    const der = new Uint8Array(Buffer.from(r.body, 'base64'));
    const cursor = DerCursor.inside(der, parseDer(der), 'CsrAttrs');
    const first = cursor.expect(Tag.OID, 'signature');
    expect(readOid(der, first)).toBe(OID.ecdsaWithSha256);
    const attribute = DerCursor.inside(der, cursor.expect(Tag.SEQUENCE, 'attribute'), 'Attribute');
    expect(readOid(der, attribute.expect(Tag.OID, 'type'))).toBe(OID.ecPublicKey);
    const values = DerCursor.inside(der, attribute.expect(Tag.SET, 'values'), 'values');
    expect(readOid(der, values.expect(Tag.OID, 'curve'))).toBe(OID.prime256v1);
    const rest = cursor.rest().map((tlv) => readOid(der, tlv));
    expect(rest).toContain(OID.commonName);
  });
});

describe('EST simpleenroll (RFC 7030 4.2.1)', () => {
  it('enrols with a bearer token and answers the certificate as certs-only', async () => {
    const deviceId = chip();
    const r = await f.app.inject({
      method: 'POST',
      url: '/.well-known/est/simpleenroll',
      headers: { ...bearer(f.tokens.operator), ...pkcs10 },
      payload: b64(await deviceCsr(deviceId)),
    });
    expect(r.statusCode, r.body).toBe(200);
    const [cert] = certsOf(r.body);
    expect(cert!.subject.rdns.flat().find((a) => a.type === OID.commonName)?.value).toBe(deviceId);
    expect(Buffer.compare(cert!.issuer.der, Certificate.fromDer(f.line1.certificateDer!).subject.der)).toBe(0);
    expect(await f.metrics.registry.metrics()).toMatch(
      /keyline_certificates_issued_total\{ca="[^"]+",profile="device",via="est"\} 1/,
    );
  });

  it('enrols with HTTP Basic, the token as password; base64 with line breaks', async () => {
    const wrapped = b64(await deviceCsr(chip())).replace(/.{64}/g, '$&\r\n');
    const r = await f.app.inject({
      method: 'POST',
      url: '/.well-known/est/line1/simpleenroll',
      headers: { authorization: `Basic ${Buffer.from(`device:${f.tokens.admin}`).toString('base64')}`, ...pkcs10 },
      payload: wrapped,
    });
    expect(r.statusCode, r.body).toBe(200);
  });

  it('the same CSR again (a retry) gets the same certificate', async () => {
    const csr = b64(await deviceCsr(chip()));
    const send = () =>
      f.app.inject({
        method: 'POST',
        url: '/.well-known/est/simpleenroll',
        headers: { ...bearer(f.tokens.admin), ...pkcs10 },
        payload: csr,
      });
    const [a, b] = [await send(), await send()];
    expect(certsOf(a.body)[0]!.fingerprint).toBe(certsOf(b.body)[0]!.fingerprint);
  });

  it('401 with a Basic challenge without credentials', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: '/.well-known/est/simpleenroll',
      headers: pkcs10,
      payload: 'AAAA',
    });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/Basic realm="keyline-est"/);
  });

  it('an operator may not enrol at another manufacturer’s CA', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: '/.well-known/est/globex/simpleenroll',
      headers: { ...bearer(f.tokens.operator), ...pkcs10 },
      payload: b64(await deviceCsr(chip(), undefined, [ATTR.product('gadget')])),
    });
    expect(r.statusCode).toBe(403);
  });

  it('with several active issuing CAs and none configured, /.well-known/est/ says which labels to use', async () => {
    const second = await f.ca.createCa(
      { parentId: f.acme.id, name: 'Acme Line 2', kind: 'issuing', manufacturerId: 'acme', label: 'line2' },
      CLI_ACTOR,
    );
    const r = await f.app.inject({ url: '/.well-known/est/cacerts' });
    expect(r.statusCode).toBe(404);
    const body = JSON.parse(r.body) as { code: string; detail: string };
    expect(body.code).toBe('ERR_SERVER_EST_NO_DEFAULT_CA');
    expect(body.detail).toContain('line1');
    const configured = createServer({ store: f.store, ca: f.ca, clock: f.clock, est: { defaultCa: 'line2' } });
    const c = await configured.inject({ url: '/.well-known/est/cacerts' });
    expect(certsOf(c.body).map((x) => x.fingerprint)).toContain(second.fingerprint);
    await configured.close();
    await f.store.cas.setStatus(second.id, 'retired');
  });
});

describe('EST simplereenroll over TLS with the current certificate (RFC 7030 4.2.2, 3.3.2)', () => {
  let tls: ServerTlsFiles;
  let app: FastifyInstance;
  let port = 0;
  let deviceKey: SoftwareSigner;
  let deviceCert: Certificate;

  beforeAll(async () => {
    tls = await loadOrCreateServerTls({ dataDir: f.dir, host: '127.0.0.1', clock: f.clock });
    app = createServer({ store: f.store, ca: f.ca, clock: f.clock, tls: { key: tls.key, cert: tls.cert } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    deviceKey = generateSigner('P-256');
    const issued = await f.ca.issue(
      { caId: f.line1.id, csrDer: await deviceCsr(chip(), deviceKey), profile: 'device' },
      CLI_ACTOR,
    );
    deviceCert = Certificate.fromDer(issued.record.der!);
  });
  afterAll(() => app.close());

  /** POSTs over TLS (trusting the server's self-signed certificate), with a client certificate when given. */
  function post(
    path: string,
    body: string,
    client?: { key: SoftwareSigner; cert: Certificate },
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          ca: tls.cert,
          headers: { 'content-type': 'application/pkcs10' },
          ...(client === undefined
            ? {}
            : { key: client.key.privateKey.export({ format: 'pem', type: 'pkcs8' }), cert: client.cert.toPem() }),
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (data += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const reenrollCsr = async (subjectFrom: Certificate, signer = generateSigner('P-256')) =>
    b64(await buildCsr({ subject: subjectFrom.subject.der, signer }));

  it('renews the presented certificate: same subject, new key, new serial', async () => {
    const newKey = generateSigner('P-256');
    const r = await post('/.well-known/est/simplereenroll', await reenrollCsr(deviceCert, newKey), {
      key: deviceKey,
      cert: deviceCert,
    });
    expect(r.status, r.body).toBe(200);
    const [renewed] = certsOf(r.body);
    expect(namesEqual(renewed!.subject, deviceCert.subject)).toBe(true);
    expect(renewed!.serialHex).not.toBe(deviceCert.serialHex);
    expect(Buffer.compare(renewed!.spki, newKey.publicKeySpki)).toBe(0);
  });

  it('401 without a client certificate', async () => {
    const r = await post('/.well-known/est/simplereenroll', await reenrollCsr(deviceCert));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_SERVER_CLIENT_CERT_REQUIRED' });
  });

  it('400 when the CSR names another subject', async () => {
    const other = await buildCsr({ subject: encodeName([[ATTR.cn(chip())]]), signer: generateSigner('P-256') });
    const r = await post('/.well-known/est/simplereenroll', b64(other), { key: deviceKey, cert: deviceCert });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_SERVER_REENROLL_MISMATCH' });
  });

  it('403 for a self-signed certificate with the same subject', async () => {
    const key = generateSigner('P-256');
    const forged = await selfSign(
      {
        serial: Uint8Array.of(1, 2, 3),
        subject: deviceCert.subject.der,
        notBefore: deviceCert.notBefore,
        notAfter: deviceCert.notAfter,
      },
      key,
    );
    const r = await post('/.well-known/est/simplereenroll', await reenrollCsr(deviceCert), { key, cert: forged });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_SERVER_CLIENT_CERT_INVALID' });
  });

  it('403 for a certificate of another CA presented at this one', async () => {
    const key = generateSigner('P-256');
    const issued = await f.ca.issue(
      { caId: f.globex.id, csrDer: await deviceCsr(chip(), key, [ATTR.product('gadget')]), profile: 'device' },
      CLI_ACTOR,
    );
    const cert = Certificate.fromDer(issued.record.der!);
    const r = await post('/.well-known/est/line1/simplereenroll', await reenrollCsr(cert), { key, cert });
    expect(r.status).toBe(403);
  });

  it('403 once the certificate is revoked, and the database is unchanged', async () => {
    await f.ca.revoke({ caId: f.line1.id, serialHex: deviceCert.serialHex, reason: 'superseded' }, CLI_ACTOR);
    const before = f.snapshot();
    const r = await post('/.well-known/est/simplereenroll', await reenrollCsr(deviceCert), {
      key: deviceKey,
      cert: deviceCert,
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_SERVER_CLIENT_CERT_INVALID' });
    expect(f.snapshot()).toEqual(before);
  });

  it('the TLS server also serves the API, EST and OCSP to clients without certificates', async () => {
    const r = await fetchTls('/.well-known/est/cacerts');
    expect(r.status).toBe(200);
    expect(encodePem('CERTIFICATE', certsOf(r.body)[0]!.der)).toContain('BEGIN CERTIFICATE');
  });

  function fetchTls(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path, ca: tls.cert }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
