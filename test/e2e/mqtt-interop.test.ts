import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceClientResult, ElementPlan } from './support/device-client.js';
import {
  REQUIRE_SERVICES,
  SOFTHSM_MODULE,
  TOKEN_PIN,
  provisionLine,
  serverCertificate,
  softHsmAvailable,
  type DeviceLine,
} from './support/device-line.js';
import { mosquittoAvailable, startMosquitto, type Broker } from './support/mosquitto.js';
import { runDevice } from './support/run-device.js';

/**
 * Issue 5 section 3: factory-made devices connect with mutual TLS to a Mosquitto broker (Debian's,
 * started here on a free loopback port with `require_certificate true`, the ecosystem root as its
 * CA file, the issuing CA's CRL, and `use_identity_as_username`) through
 * `mqtt.connect('mqtts://…', identity.tlsOptions())`, subscribe and get back what they publish. A
 * revoked device and a device of another root are refused at the handshake.
 */

const RUN = REQUIRE_SERVICES || mosquittoAvailable();
const RUN_HSM = REQUIRE_SERVICES || softHsmAvailable();

describe.runIf(RUN)('Mosquitto with factory-made devices', () => {
  let line: DeviceLine;
  let other: DeviceLine;
  let broker: Broker;
  let good: string;
  let revoked: string;
  let caPem: string;

  beforeAll(async () => {
    [line, other] = await Promise.all([
      provisionLine('keyline-e2e-mqtt-', 2),
      provisionLine('keyline-e2e-mqtt-other-', 1),
    ]);
    [good, revoked] = line.chips as [string, string];
    await line.revoke(revoked);
    const tls = serverCertificate(line.inst.dir);
    broker = await startMosquitto(line.inst.dir, {
      cafile: line.rootPath,
      certfile: tls.certPath,
      keyfile: tls.keyPath,
      crlfile: await line.crl(),
    });
    caPem = tls.cert;
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    line?.remove();
    other?.remove();
  });

  function connect(l: DeviceLine, element: ElementPlan, topic: string): Promise<DeviceClientResult> {
    return runDevice(
      l.inst.dir,
      { element, definition: l.definitionPath, actions: [{ kind: 'mqtt', url: broker.url, ca: caPem, topic }] },
      l.env,
    );
  }

  it('an emulated device publishes and receives its own message; the broker knows it by its device id', async () => {
    const { deviceId, results } = await connect(
      line,
      { kind: 'emulator', tray: line.tray, serial: good },
      `devices/${good}/hello`,
    );
    expect(deviceId).toBe(good);
    expect(results[0], broker.log()).toMatchObject({ kind: 'mqtt', ok: true });
    expect(results[0]!.data).toMatch(/^hello from the device /);
    // use_identity_as_username: the user name is the certificate's CN, the device id (KECP 6.1).
    expect(broker.log()).toContain(`u'${good}'`);
  });

  it('a revoked device is refused at the handshake (the CRL)', async () => {
    const { results } = await connect(line, { kind: 'emulator', tray: line.tray, serial: revoked }, 'devices/x/hello');
    expect(results[0]!.ok).toBe(false);
    expect(broker.log()).not.toContain(`u'${revoked}'`);
  });

  it('a device of another root is refused at the handshake', async () => {
    const stranger = other.chips[0]!;
    const { results } = await connect(
      other,
      { kind: 'emulator', tray: other.tray, serial: stranger },
      'devices/y/hello',
    );
    expect(results[0]!.ok).toBe(false);
    expect(broker.log()).not.toContain(`u'${stranger}'`);
  });

  it.runIf(RUN_HSM)(
    'a SoftHSM2 token device does the same through the pkcs11 engine',
    async () => {
      const deviceId = await line.provisionToken('mqtt-good');
      const { results } = await connect(
        line,
        { kind: 'pkcs11', label: 'mqtt-good', pin: TOKEN_PIN, modulePath: SOFTHSM_MODULE },
        `devices/${deviceId}/hello`,
      );
      expect(results[0], broker.log()).toMatchObject({ kind: 'mqtt', ok: true });
      expect(broker.log()).toContain(`u'${deviceId}'`);
    },
    60_000,
  );
});
