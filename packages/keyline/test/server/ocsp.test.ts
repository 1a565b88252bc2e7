import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  Certificate,
  OcspResponse,
  buildOcspRequest,
  certIdFor,
  encodePem,
  generateSigner,
  verifyOcspResponseSignature,
  type CertId,
  type NameAttributeInput,
} from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/ca/service-port.js';
import { ATTR, chip, deviceCsr, serverFixture, type ServerFixture } from './support/fixture.js';

const run = promisify(execFile);

let f: ServerFixture;
let issuer: Certificate;
let good: Certificate;
let revoked: Certificate;
let otherIssuer: Certificate;
let otherCert: Certificate;
let url = '';
const files = mkdtempSync(join(tmpdir(), 'keyline-ocsp-'));

beforeAll(async () => {
  f = await serverFixture();
  issuer = Certificate.fromDer(f.line1.certificateDer!);
  const issue = async (caId: string, extra: NameAttributeInput[] = []) => {
    const csrDer = await deviceCsr(chip(), undefined, extra);
    return Certificate.fromDer((await f.ca.issue({ caId, csrDer, profile: 'device' }, CLI_ACTOR)).record.der!);
  };
  good = await issue(f.line1.id);
  revoked = await issue(f.line1.id);
  await f.ca.revoke({ caId: f.line1.id, serialHex: revoked.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
  otherIssuer = Certificate.fromDer(f.globex.certificateDer!);
  otherCert = await issue(f.globex.id, [ATTR.product('gadget')]);
  url = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await f.close();
  rmSync(files, { recursive: true, force: true });
});

const idOf = (cert: Certificate, by: Certificate = issuer, serial: string = cert.serialHex): CertId =>
  certIdFor(by.subject.der, by.publicKey, serial);

async function post(caId: string, request: Uint8Array) {
  const r = await f.app.inject({
    method: 'POST',
    url: `/ocsp/${caId}`,
    headers: { 'content-type': 'application/ocsp-request' },
    payload: Buffer.from(request),
  });
  return {
    http: r.statusCode,
    type: r.headers['content-type'],
    response: OcspResponse.fromDer(new Uint8Array(r.rawPayload)),
  };
}

function statusesOf(response: OcspResponse): string[] {
  return (response.basic?.responses ?? []).map((s) => s.certStatus.status);
}

describe('OCSP responder (RFC 6960) in process', () => {
  it('answers good for an issued certificate, signed by a key the CA delegated', async () => {
    const { http, type, response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(good)] }));
    expect(http).toBe(200);
    expect(type).toBe('application/ocsp-response');
    expect(response.status).toBe('successful');
    expect(statusesOf(response)).toEqual(['good']);
    const signerCert = Certificate.fromDer(response.basic!.certs[0]!);
    expect(verifyOcspResponseSignature(response.basic!, signerCert.spki)).toBe(true);
    expect(Buffer.compare(signerCert.issuer.der, issuer.subject.der)).toBe(0);
  });

  it('answers revoked with time and reason', async () => {
    const { response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(revoked)] }));
    const single = response.basic!.responses[0]!;
    expect(single.certStatus.status).toBe('revoked');
    expect(single.certStatus.status === 'revoked' && single.certStatus.reason).toBe('keyCompromise');
  });

  it('echoes a nonce (RFC 8954)', async () => {
    const nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const { response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(good)], nonce }));
    expect(Buffer.from(response.basic!.nonce!)).toEqual(Buffer.from(nonce));
  });

  it('answers GET with the base64 request in the path (RFC 6960 A.1), base64url too', async () => {
    const request = buildOcspRequest({ certIds: [idOf(good)] });
    for (const encoded of [
      encodeURIComponent(Buffer.from(request).toString('base64')),
      Buffer.from(request).toString('base64url'),
    ]) {
      const r = await f.app.inject({ url: `/ocsp/${f.line1.id}/${encoded}` });
      expect(r.statusCode).toBe(200);
      expect(statusesOf(OcspResponse.fromDer(new Uint8Array(r.rawPayload)))).toEqual(['good']);
    }
  });

  describe('never good for a serial the CA did not issue (issue 3, 4)', () => {
    it('an unknown serial at this CA is not good', async () => {
      const { response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(good, issuer, '0a0b0c0d0e0f')] }));
      expect(['unauthorized', 'successful']).toContain(response.status);
      expect(statusesOf(response)).not.toContain('good');
    });

    it('a certificate of another CA, asked at this CA, is unknown or unauthorized', async () => {
      const { response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(otherCert, otherIssuer)] }));
      if (response.status === 'successful') expect(statusesOf(response)).toEqual(['unknown']);
      else expect(response.status).toBe('unauthorized');
    });

    it('a serial of this CA with the other issuer’s hashes is not good', async () => {
      const { response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(good, otherIssuer)] }));
      expect(statusesOf(response)).not.toContain('good');
    });

    it('a CA that does not exist is unauthorized (200)', async () => {
      const { http, response } = await post('ca_nope', buildOcspRequest({ certIds: [idOf(good)] }));
      expect(http).toBe(200);
      expect(response.status).toBe('unauthorized');
    });

    it('random serials never come back good, and fast', async () => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 50; i++) {
        const serial = Buffer.from(generateSigner('P-256').publicKeySpki.subarray(-16)).toString('hex');
        const { response } = await post(f.line1.id, buildOcspRequest({ certIds: [idOf(good, issuer, serial)] }));
        expect(statusesOf(response)).not.toContain('good');
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      expect(ms / 50).toBeLessThan(50);
    });
  });

  it('counts responses by status in /metrics', async () => {
    const r = await f.app.inject({ url: '/metrics' });
    expect(r.body).toMatch(/keyline_ocsp_responses_total\{status="successful",cert_status="good"\} \d+/);
    expect(r.body).toMatch(/keyline_ocsp_responses_total\{status="successful",cert_status="revoked"\} \d+/);
  });
});

describe('OCSP through openssl ocsp -url against the listening server', () => {
  beforeAll(() => {
    writeFileSync(join(files, 'issuer.pem'), issuer.toPem());
    writeFileSync(join(files, 'good.pem'), good.toPem());
    writeFileSync(join(files, 'revoked.pem'), revoked.toPem());
    const chain = [f.line1, f.acme, f.root].map((c) => encodePem('CERTIFICATE', c.certificateDer!)).join('');
    writeFileSync(join(files, 'chain.pem'), chain);
  });

  const ocsp = async (cert: string) => {
    const { stdout, stderr } = await run('openssl', [
      'ocsp',
      '-url',
      `${url}/ocsp/${f.line1.id}`,
      '-issuer',
      join(files, 'issuer.pem'),
      '-cert',
      join(files, cert),
      '-CAfile',
      join(files, 'chain.pem'),
    ]);
    return stdout + stderr;
  };

  it('says good, with the response verified', async () => {
    const out = await ocsp('good.pem');
    expect(out).toContain('Response verify OK');
    expect(out).toMatch(/good\.pem: good/);
  });

  it('says revoked, with the reason', async () => {
    const out = await ocsp('revoked.pem');
    expect(out).toContain('Response verify OK');
    expect(out).toMatch(/revoked\.pem: revoked/);
    expect(out).toMatch(/Reason: keyCompromise/);
  });

  it('GET as openssl builds it (-url with a path and -no_nonce ... via curl-like fetch)', async () => {
    const request = buildOcspRequest({ certIds: [idOf(good)] });
    const response = await fetch(
      `${url}/ocsp/${f.line1.id}/${encodeURIComponent(Buffer.from(request).toString('base64'))}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/ocsp-response');
    writeFileSync(join(files, 'get.der'), Buffer.from(await response.arrayBuffer()));
    const { stdout } = await run('openssl', ['ocsp', '-respin', join(files, 'get.der'), '-resp_text', '-noverify']);
    expect(stdout).toContain('Cert Status: good');
  });
});
