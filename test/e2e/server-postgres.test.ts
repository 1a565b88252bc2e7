import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PG_ADMIN_URL,
  SERVICES_REQUIRED,
  probePostgres,
  testDatabase,
  type TestDatabase,
} from '../../packages/keyline/test/store/postgres-harness.js';
import { install, pipeline, serve, sh, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve` over PostgreSQL (`--db postgres://…`), end to end: EST enrolment, OCSP before and
 * after revocation through the API, the CRL, bad requests leaving every table unchanged. Runs
 * whenever PostgreSQL is reachable; with KEYLINE_REQUIRE_SERVICES=1 an unreachable one fails.
 */

const probe = await probePostgres();
if (!probe.reachable && SERVICES_REQUIRED)
  throw new Error(`PostgreSQL at ${PG_ADMIN_URL} is required: ${probe.reason}`);

describe.skipIf(!probe.reachable)('keyline serve over PostgreSQL', () => {
  let database: TestDatabase;
  let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
  let server: Served;

  beforeAll(async () => {
    database = await testDatabase();
    inst = install('keyline-e2e-pg-', { db: database.url });
    server = await serve(inst);
    await sh('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', inst.path('device.key')]);
    await sh(
      'openssl',
      [
        'req',
        '-new',
        '-key',
        'device.key',
        '-subj',
        '/CN=feedfacecafebeef',
        '-outform',
        'DER',
        '-out',
        'device.csr.der',
      ],
      {
        cwd: inst.dir,
      },
    );
  }, 60_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop();
    inst?.remove();
    await database?.drop();
  });

  const curl = (args: string) => pipeline(`curl -sS ${args}`, inst.dir);

  it('enrols over EST, answers OCSP good then revoked, lists the revocation in the CRL', async () => {
    const enrol = await curl(
      `-f -H 'Authorization: Bearer ${inst.adminToken}' -H 'Content-Type: application/pkcs10' --data-binary "$(openssl base64 -in device.csr.der)" ` +
        `${server.url}/.well-known/est/line1/simpleenroll | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out device.pem`,
    );
    expect(enrol.code, enrol.stderr).toBe(0);
    const chain = await curl(
      `${server.url}/.well-known/est/line1/cacerts | openssl base64 -d | openssl pkcs7 -inform DER -print_certs -out chain.pem`,
    );
    expect(chain.code).toBe(0);
    const ca = JSON.parse(
      (await curl(`-H 'Authorization: Bearer ${inst.adminToken}' ${server.url}/api/v1/cas/${inst.line1Id}`)).stdout,
    ) as {
      certificatePem: string;
    };
    await pipeline(`cat > issuer.pem <<'X'\n${ca.certificatePem}X`, inst.dir);
    const ocsp = () =>
      sh(
        'openssl',
        [
          'ocsp',
          '-url',
          `${server.url}/ocsp/${inst.line1Id}`,
          '-issuer',
          'issuer.pem',
          '-cert',
          'device.pem',
          '-CAfile',
          'chain.pem',
        ],
        {
          cwd: inst.dir,
        },
      );
    expect((await ocsp()).stdout).toContain('device.pem: good');

    const serial = (await sh('openssl', ['x509', '-in', 'device.pem', '-noout', '-serial'], { cwd: inst.dir })).stdout
      .trim()
      .split('=')[1]!;
    const revoke = await curl(
      `-f -H 'Authorization: Bearer ${inst.adminToken}' -H 'Content-Type: application/json' --data '{"reason":"keyCompromise"}' ` +
        `${server.url}/api/v1/cas/${inst.line1Id}/certificates/${serial}/revoke`,
    );
    expect(JSON.parse(revoke.stdout)).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });
    const after = await ocsp();
    expect(after.stdout + after.stderr).toContain('Response verify OK');
    expect(after.stdout).toContain('device.pem: revoked');
    const crl = await curl(`${server.url}/crl/${inst.line1Id}.crl | openssl crl -inform DER -noout -text`);
    expect(crl.stdout).toContain(`Serial Number: ${serial}`);
  });

  it('bad requests leave every table unchanged', async () => {
    const before = await inst.snapshot();
    expect(Object.keys(before).length).toBeGreaterThan(5);
    const responses = [
      await curl(
        `-H 'Content-Type: application/pkcs10' --data-binary @device.csr.der -w '%{http_code}' -o /dev/null ${server.url}/api/v1/cas/${inst.line1Id}/certificates`,
      ),
      await curl(
        `-H 'Authorization: Bearer ${inst.adminToken}' -H 'Content-Type: application/pkcs10' --data-binary 'bad!' -w '%{http_code}' -o /dev/null ${server.url}/.well-known/est/simpleenroll`,
      ),
      await curl(
        `-H 'Authorization: Bearer ${inst.adminToken}' -H 'Content-Type: application/json' --data '{"reason":"nope"}' -w '%{http_code}' -o /dev/null ` +
          `${server.url}/api/v1/cas/${inst.line1Id}/certificates/01/revoke`,
      ),
      await curl(`-H 'Authorization: Bearer kl_wrong' -w '%{http_code}' -o /dev/null ${server.url}/api/v1/tokens`),
    ];
    expect(responses.map((r) => r.stdout)).toEqual(['401', '400', '400', '401']);
    expect(await inst.snapshot()).toEqual(before);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
  });
});
