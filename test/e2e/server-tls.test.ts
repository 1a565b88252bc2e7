import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { install, pipeline, serve, sh, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve --tls` end to end: HTTPS with the self-signed server certificate made on first
 * start, EST enrolment with curl, and EST re-enrolment authenticated by the device's current
 * certificate in the TLS handshake (RFC 7030 4.2.2, 3.3.2).
 */

let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
let server: Served;

beforeAll(async () => {
  inst = install('keyline-e2e-tls-');
  server = await serve(inst, '--tls');
  for (const key of ['device.key', 'renewed.key', 'stranger.key']) {
    await sh('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', inst.path(key)]);
  }
  await sh(
    'openssl',
    ['req', '-new', '-key', 'device.key', '-subj', '/CN=a1b2c3d4e5f60718', '-outform', 'DER', '-out', 'device.csr.der'],
    {
      cwd: inst.dir,
    },
  );
}, 60_000);
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop();
  inst?.remove();
});

/** curl over HTTPS trusting the server's own certificate (printed at start, kept in <data>/tls/). */
const tlsCurl = (args: string) => pipeline(`curl -sS --cacert ${inst.dataDir}/tls/server-cert.pem ${args}`, inst.dir);

describe('keyline serve --tls', () => {
  it('listens on https and says where its self-signed certificate is', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.stderr()).toMatch(/TLS certificate .*server-cert\.pem \(new, self-signed\), SHA-256 [0-9a-f]{64}/);
  });

  it('EST cacerts and simpleenroll over HTTPS with curl', async () => {
    const cacerts = await tlsCurl(
      `${server.url}/.well-known/est/line1/cacerts | openssl base64 -d | openssl pkcs7 -inform DER -print_certs`,
    );
    expect(cacerts.code, cacerts.stderr).toBe(0);
    expect(cacerts.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(3);
    const enrol = await tlsCurl(
      `-f -H 'Authorization: Bearer ${inst.adminToken}' -H 'Content-Type: application/pkcs10' --data-binary "$(openssl base64 -in device.csr.der)" ` +
        `${server.url}/.well-known/est/simpleenroll | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out device.pem`,
    );
    expect(enrol.code, enrol.stderr).toBe(0);
  });

  it('simplereenroll with the current certificate as the TLS client certificate', async () => {
    const csr = await pipeline(
      'openssl x509 -x509toreq -in device.pem -signkey renewed.key -out renew.csr.pem && openssl req -in renew.csr.pem -outform DER -out renew.csr.der',
      inst.dir,
    );
    expect(csr.code, csr.stderr).toBe(0);
    const renew = await tlsCurl(
      `-f --cert device.pem --key device.key -H 'Content-Type: application/pkcs10' --data-binary "$(openssl base64 -in renew.csr.der)" ` +
        `${server.url}/.well-known/est/simplereenroll | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out renewed.pem`,
    );
    expect(renew.code, renew.stderr).toBe(0);
    const subjects = await pipeline(
      'openssl x509 -in device.pem -noout -subject -serial; openssl x509 -in renewed.pem -noout -subject -serial',
      inst.dir,
    );
    const [oldSubject, oldSerial, newSubject, newSerial] = subjects.stdout.trim().split('\n');
    expect(newSubject).toBe(oldSubject);
    expect(newSerial).not.toBe(oldSerial);
    const keys = await pipeline(
      'openssl x509 -in renewed.pem -noout -pubkey; openssl ec -in renewed.key -pubout 2>/dev/null',
      inst.dir,
    );
    const [certKey, ownKey] = keys.stdout.split('-----END PUBLIC KEY-----');
    expect(certKey!.trim()).toBe(`${ownKey!.trim()}`.replace(/^\n/, ''));
  });

  it('simplereenroll refuses a client without a certificate (401) and a self-signed stranger (403)', async () => {
    const none = await tlsCurl(
      `-H 'Content-Type: application/pkcs10' --data-binary "$(openssl base64 -in renew.csr.der)" -w '\\n%{http_code}' ${server.url}/.well-known/est/simplereenroll`,
    );
    expect(none.stdout).toMatch(/ERR_SERVER_CLIENT_CERT_REQUIRED[\s\S]*\n401$/);
    await pipeline(
      `openssl req -new -x509 -key stranger.key -subj "$(openssl x509 -in device.pem -noout -subject -nameopt compat | sed 's/^subject=//')" -days 1 -out stranger.pem`,
      inst.dir,
    );
    const stranger = await tlsCurl(
      `--cert stranger.pem --key stranger.key -H 'Content-Type: application/pkcs10' --data-binary "$(openssl base64 -in renew.csr.der)" ` +
        `-w '\\n%{http_code}' ${server.url}/.well-known/est/simplereenroll`,
    );
    expect(stranger.stdout).toMatch(/ERR_SERVER_CLIENT_CERT_INVALID[\s\S]*\n403$/);
  });

  it('stops cleanly on SIGINT (exit 0)', async () => {
    expect(await server.stop('SIGINT')).toBe(0);
    expect(server.stderr()).toContain('stopped');
  });

  it('keeps its certificate for the next start', async () => {
    const again = await serve(inst, '--tls');
    try {
      expect(again.stderr()).not.toContain('(new, self-signed)');
      const health = await pipeline(
        `curl -sS --cacert ${inst.dataDir}/tls/server-cert.pem ${again.url}/healthz`,
        inst.dir,
      );
      expect(JSON.parse(health.stdout)).toEqual({ status: 'ok', database: 'ok' });
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
