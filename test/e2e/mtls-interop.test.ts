import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../packages/keyline/src/ca/store-port.js';
import {
  LocalRevocation,
  createMutualTlsServer,
  type MutualTlsRefusal,
} from '../../packages/keyline/src/server/mtls/index.js';
import { openStore, resolveStoreLocation } from '../../packages/keyline/src/store/index.js';
import type { ActionPlan, DeviceClientResult, ElementPlan } from './support/device-client.js';
import {
  REQUIRE_SERVICES,
  SOFTHSM_MODULE,
  TOKEN_PIN,
  opensslAvailable,
  provisionLine,
  serverCertificate,
  softHsmAvailable,
  type DeviceLine,
} from './support/device-line.js';
import { opensslVerdict, startOpensslServer, type OpensslServer } from './support/openssl-server.js';
import { runDevice } from './support/run-device.js';

/**
 * Issue 5 section 3: devices personalised by the factory line (`keyline factory run`, emulated
 * chips and SoftHSM2 tokens) do mutual TLS with the identity key in their element
 * (`DeviceIdentity.tlsOptions()`) to (a) our mutual-TLS helper's HTTPS server and (b) `openssl
 * s_server -Verify`, which validates the chain with OpenSSL's own code against the ecosystem root;
 * a revoked device and a device of another root are refused by both.
 */

const RUN_OPENSSL = REQUIRE_SERVICES || opensslAvailable();
const RUN_HSM = REQUIRE_SERVICES || softHsmAvailable();

describe.runIf(RUN_OPENSSL)('mutual TLS with factory-made devices', () => {
  let line: DeviceLine;
  let other: DeviceLine;
  let store: Store;
  let tls: ReturnType<typeof serverCertificate>;
  let helper: ReturnType<typeof createMutualTlsServer>;
  let helperUrl: string;
  let openssl: OpensslServer;
  const refusals: MutualTlsRefusal[] = [];
  let good: string;
  let revoked: string;
  let stranger: string;

  beforeAll(async () => {
    [line, other] = await Promise.all([
      provisionLine('keyline-e2e-mtls-', 2),
      provisionLine('keyline-e2e-mtls-other-', 1),
    ]);
    [good, revoked] = line.chips as [string, string];
    stranger = other.chips[0]!;
    await line.revoke(revoked);
    const crlPath = await line.crl();
    tls = serverCertificate(line.inst.dir);
    store = await openStore(resolveStoreLocation({ data: line.inst.dataDir }));
    helper = createMutualTlsServer({
      trustAnchors: line.rootPem,
      serverCert: tls.cert,
      serverKey: tls.key,
      revocation: new LocalRevocation(store),
      revocationScope: 'chain',
      onRefused: (refusal) => refusals.push(refusal),
      handler: (request, response) => {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ deviceId: request.device.deviceId, productId: request.device.productId }));
      },
    });
    await new Promise<void>((resolve) => helper.listen(0, '127.0.0.1', resolve));
    helperUrl = `https://127.0.0.1:${(helper.address() as AddressInfo).port}/`;
    openssl = await startOpensslServer({
      rootPath: line.rootPath,
      certPath: tls.certPath,
      keyPath: tls.keyPath,
      crlPath,
    });
  }, 120_000);

  afterAll(async () => {
    await openssl?.stop();
    await new Promise<void>((resolve) => (helper ? helper.close(() => resolve()) : resolve()));
    await store?.close();
    line?.remove();
    other?.remove();
  });

  function actions(): ActionPlan[] {
    return [
      { kind: 'https', url: helperUrl, ca: tls.cert },
      { kind: 'tls', host: '127.0.0.1', port: openssl.port, ca: tls.cert, send: 'GET / HTTP/1.0\r\n\r\n' },
    ];
  }

  function emulated(l: DeviceLine, serial: string): Promise<DeviceClientResult> {
    const element: ElementPlan = { kind: 'emulator', tray: l.tray, serial };
    return runDevice(l.inst.dir, { element, definition: l.definitionPath, actions: actions() }, l.env);
  }

  it('an emulated device is accepted by the helper (with its verified identity) and by openssl s_server', async () => {
    const { deviceId, results } = await emulated(line, good);
    expect(deviceId).toBe(good);
    const [https, sServer] = results;
    expect(https, JSON.stringify(https)).toMatchObject({ ok: true });
    expect(JSON.parse(https!.data!)).toEqual({ deviceId: good, productId: 'sensor-1' });
    expect(sServer!.ok, JSON.stringify(sServer)).toBe(true);
    // s_server's -www page and its trace: the chain verified down to the device's certificate.
    expect(sServer!.data).toMatch(/^HTTP\/1\.0 200 ok/);
    expect(sServer!.data).toContain('Client certificate');
    expect(opensslVerdict(openssl.output(), good)).toEqual({ ok: true });
  });

  it('a revoked device is refused by both (our records; the CRL for OpenSSL)', async () => {
    const before = refusals.length;
    const { results } = await emulated(line, revoked);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(refusals.slice(before).map((r) => r.reason)).toEqual(['ERR_ATTEST_REVOKED']);
    expect(opensslVerdict(openssl.output(), revoked)).toEqual({
      ok: false,
      error: expect.stringContaining('certificate revoked'),
    });
  });

  it('a device of another ecosystem root is refused by both', async () => {
    const before = refusals.length;
    const { results } = await emulated(other, stranger);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    const mine = refusals.slice(before);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.code).toBe('ERR_MTLS_CLIENT_REFUSED');
    // Both data directories name their root "E2E Root": our path builder reaches our root by name
    // and its signature check fails, as it must for a look-alike root.
    expect(mine[0]!.reason).toBe('ERR_PATH_BAD_SIGNATURE');
    expect(opensslVerdict(openssl.output(), stranger)).toBeUndefined();
    // OpenSSL matches issuers by key identifier too, so it finds no issuer at all for the other maker.
    expect(openssl.output()).toMatch(/verify error:num=20:unable to get local issuer certificate/);
  });

  describe.runIf(RUN_HSM)('SoftHSM2 tokens through PKCS#11 (OpenSSL pkcs11 engine in the device process)', () => {
    let hsmGood: string;
    let hsmRevoked: string;

    beforeAll(async () => {
      hsmGood = await line.provisionToken('mtls-good');
      hsmRevoked = await line.provisionToken('mtls-revoked');
      await line.revoke(hsmRevoked);
    }, 60_000);

    async function token(label: string): Promise<DeviceClientResult> {
      const element: ElementPlan = { kind: 'pkcs11', label, pin: TOKEN_PIN, modulePath: SOFTHSM_MODULE };
      return runDevice(line.inst.dir, { element, definition: line.definitionPath, actions: actions() }, line.env);
    }

    it('a token device is accepted by the helper and by openssl s_server', async () => {
      const { deviceId, results } = await token('mtls-good');
      expect(deviceId).toBe(hsmGood);
      expect(
        results.map((r) => r.ok),
        JSON.stringify(results),
      ).toEqual([true, true]);
      expect(JSON.parse(results[0]!.data!)).toEqual({ deviceId: hsmGood, productId: 'sensor-1' });
      expect(opensslVerdict(openssl.output(), hsmGood)).toEqual({ ok: true });
    });

    it('a revoked token device is refused by the helper', async () => {
      const before = refusals.length;
      const { results } = await token('mtls-revoked');
      expect(results[0]!.ok).toBe(false);
      expect(refusals.slice(before).map((r) => r.reason)).toEqual(['ERR_ATTEST_REVOKED']);
    });
  });
});
