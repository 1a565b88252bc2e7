import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { install, pipeline, serve, sh, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve` end to end: the real binary over a data directory made by the CLI, driven with
 * curl and openssl as a device, an operator and a relying party would (issue 3, section 4).
 */

let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
let server: Served;

beforeAll(async () => {
  inst = install('keyline-e2e-server-');
  server = await serve(inst);
  await sh('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', inst.path('device.key')]);
  await sh('openssl', [
    'req',
    '-new',
    '-key',
    inst.path('device.key'),
    '-subj',
    '/CN=00112233aabbccdd',
    '-outform',
    'DER',
    '-out',
    inst.path('device.csr.der'),
  ]);
}, 60_000);
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop();
  inst?.remove();
});

const curl = (...args: string[]) => sh('curl', ['-sS', ...args], { cwd: inst.dir });

/** `openssl ocsp -url` for device.pem against the server, the responder validated up to root.pem. */
const ocsp = () =>
  sh(
    'openssl',
    ['ocsp', '-url', `${server.url}/ocsp/${inst.line1Id}`, '-issuer', 'issuer.pem', '-cert', 'device.pem'].concat([
      '-CAfile',
      'root.pem',
      '-verify_other',
      'untrusted.pem',
    ]),
    { cwd: inst.dir },
  );

describe('keyline serve (HTTP)', () => {
  it('prints the address it listens on and answers /healthz', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await curl(`${server.url}/healthz`);
    expect(JSON.parse(health.stdout)).toEqual({ status: 'ok', database: 'ok' });
  });

  it('EST cacerts: openssl base64 -d | openssl pkcs7 -inform DER -print_certs shows the chain', async () => {
    const r = await pipeline(
      `curl -sS ${server.url}/.well-known/est/cacerts | openssl base64 -d | openssl pkcs7 -inform DER -print_certs`,
      inst.dir,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('CN = Acme Line 1');
    expect(r.stdout).toContain('CN = Acme CA');
    expect(r.stdout).toContain('CN = E2E Root');
  });

  it('EST simpleenroll with curl (HTTP Basic, token as password) of an OpenSSL-made CSR', async () => {
    const r = await pipeline(
      `openssl base64 -in device.csr.der | curl -sS -f -u est:${inst.adminToken} -H 'Content-Type: application/pkcs10' --data-binary @- ` +
        `${server.url}/.well-known/est/simpleenroll | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out device.pem`,
      inst.dir,
    );
    expect(r.code, r.stderr).toBe(0);
    const pem = readFileSync(inst.path('device.pem'), 'utf8');
    expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    const subject = await sh('openssl', ['x509', '-in', inst.path('device.pem'), '-noout', '-subject']);
    expect(subject.stdout).toContain('CN = 00112233aabbccdd');
    // The chain for the relying party: from the API, with the admin token.
    const ca = JSON.parse(
      (await curl('-H', `Authorization: Bearer ${inst.adminToken}`, `${server.url}/api/v1/cas/${inst.line1Id}`)).stdout,
    ) as {
      chainPem: string;
      certificatePem: string;
    };
    const certs = ca.chainPem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/g)!;
    await sh(
      'sh',
      [
        '-c',
        `cat > issuer.pem <<'X'\n${ca.certificatePem}X\ncat > root.pem <<'X'\n${certs[2]}X\ncat > untrusted.pem <<'X'\n${certs[0]}${certs[1]}X`,
      ],
      { cwd: inst.dir },
    );
    const verify = await sh('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem', 'device.pem'], {
      cwd: inst.dir,
    });
    expect(verify.stdout.trim()).toBe('device.pem: OK');
  });

  it('openssl ocsp -url says good', async () => {
    const r = await ocsp();
    expect(r.stdout + r.stderr).toContain('Response verify OK');
    expect(r.stdout).toContain('device.pem: good');
  });

  it('bad requests with curl get problem documents and leave the database unchanged', async () => {
    const before = await inst.snapshot();
    const badBase64 = await curl(
      '-u',
      `est:${inst.adminToken}`,
      '-H',
      'Content-Type: application/pkcs10',
      '--data-binary',
      'not*base64',
      `${server.url}/.well-known/est/simpleenroll`,
      '-w',
      '\n%{http_code}',
    );
    expect(badBase64.stdout).toMatch(/"code":"ERR_SERVER_BAD_BASE64"[\s\S]*\n400$/);
    const noToken = await curl(
      '-H',
      'Content-Type: application/pkcs10',
      '--data-binary',
      '@device.csr.der',
      `${server.url}/api/v1/cas/${inst.line1Id}/certificates`,
      '-w',
      '\n%{http_code}',
    );
    expect(noToken.stdout).toMatch(/"code":"ERR_SERVER_UNAUTHENTICATED"[\s\S]*\n401$/);
    const json = await curl(
      '-H',
      `Authorization: Bearer ${inst.adminToken}`,
      '-H',
      'Content-Type: application/json',
      '--data',
      '{"csr":',
      `${server.url}/api/v1/cas/${inst.line1Id}/certificates`,
      '-w',
      '\n%{http_code}',
    );
    expect(json.stdout).toMatch(/"code":"ERR_SERVER_BAD_JSON"[\s\S]*\n400$/);
    const ocsp = await curl(
      '-H',
      'Content-Type: application/ocsp-request',
      '--data-binary',
      'garbage',
      `${server.url}/ocsp/${inst.line1Id}`,
      '-o',
      'malformed.der',
      '-w',
      '%{http_code}',
    );
    expect(ocsp.stdout).toBe('400');
    const text = await sh('openssl', ['ocsp', '-respin', 'malformed.der', '-resp_text'], { cwd: inst.dir });
    expect(text.stdout + text.stderr).toMatch(/malformedrequest/i);
    expect(await inst.snapshot()).toEqual(before);
  });

  it('after `keyline revoke` (the CLI, another process): OCSP says revoked, the CRL lists it, openssl verify -crl_check refuses', async () => {
    const serial = (await sh('openssl', ['x509', '-in', 'device.pem', '-noout', '-serial'], { cwd: inst.dir })).stdout
      .trim()
      .split('=')[1]!;
    inst.keyline('revoke', '--ca', 'line1', serial.toLowerCase(), '--reason', 'keyCompromise');
    let out = '';
    for (let attempt = 0; attempt < 20 && !out.includes('device.pem: revoked'); attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await ocsp();
      out = r.stdout + r.stderr;
    }
    expect(out).toContain('Response verify OK');
    expect(out).toContain('device.pem: revoked');

    const crls = await pipeline(
      '{ ' +
        [inst.line1Id, inst.acmeId, inst.rootId]
          .map((id) => `curl -sS -f ${server.url}/crl/${id}.crl | openssl crl -inform DER`)
          .join(' && ') +
        '; } > crls.pem',
      inst.dir,
    );
    expect(crls.code, crls.stderr).toBe(0);
    const listed = await pipeline(
      `curl -sS ${server.url}/crl/${inst.line1Id}.crl | openssl crl -inform DER -noout -text`,
      inst.dir,
    );
    expect(listed.stdout).toContain(`Serial Number: ${serial}`);
    const verify = await sh(
      'openssl',
      [
        'verify',
        '-crl_check_all',
        '-CRLfile',
        'crls.pem',
        '-CAfile',
        'root.pem',
        '-untrusted',
        'untrusted.pem',
        'device.pem',
      ],
      { cwd: inst.dir },
    );
    expect(verify.code).not.toBe(0);
    expect(verify.stdout + verify.stderr).toContain('certificate revoked');
  });

  it('serves the OpenAPI document and the API page', async () => {
    const doc = JSON.parse((await curl(`${server.url}/api/v1/openapi.json`)).stdout) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/cas/{caId}/certificates');
    const page = await curl(`${server.url}/api/v1/docs`);
    expect(page.stdout).toContain('<h1>Keyline CA server');
  });

  it('logs JSON lines on stderr without the token', () => {
    const lines = server
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; route?: string; status?: number; requestId?: string });
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.every((l) => typeof l.requestId === 'string' && typeof l.status === 'number')).toBe(true);
    expect(server.stderr()).not.toContain(inst.adminToken);
  });

  it('stops cleanly on SIGTERM (exit 0) and the database is left consistent', async () => {
    const code = await server.stop('SIGTERM');
    expect(code).toBe(0);
    expect(server.stderr()).toContain('stopped');
    expect(inst.keyline<unknown[]>('ca', 'list').length).toBe(3);
  });
});
