import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryChip } from '@keyline/se';
import { emulatorTlsKey } from '@keyline/se/emulator-tls';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceIdentity } from '../src/index.js';
import { makeHierarchy, provision, serverCertificate, type Hierarchy } from './fixtures.js';

/**
 * `identity.tlsOptions()` spread into `mqtt.connect`, against a Mosquitto broker of the test's own
 * that requires a client certificate chaining to the test root and takes its CN as the user name.
 * KEYLINE_REQUIRE_SERVICES=1 makes a missing Mosquitto a failure; otherwise the suite is skipped.
 */
const MOSQUITTO = '/usr/sbin/mosquitto';
const AVAILABLE =
  existsSync(MOSQUITTO) && spawnSync(MOSQUITTO, ['-h'], { encoding: 'utf8' }).stdout.includes('mosquitto');
const REQUIRE = process.env.KEYLINE_REQUIRE_SERVICES === '1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(!REQUIRE && !AVAILABLE)('tlsOptions with mqtt.connect and Mosquitto', () => {
  let dir: string;
  let acme: Hierarchy;
  let serverCa: string;
  let port: number;
  let broker: ReturnType<typeof spawn>;
  let log = '';

  beforeAll(async () => {
    expect(AVAILABLE, 'Debian mosquitto must be installed').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'keyline-device-mqtt-'));
    acme = await makeHierarchy('Acme');
    const server = serverCertificate();
    serverCa = server.certPem;
    writeFileSync(join(dir, 'root.pem'), acme.root.toPem());
    writeFileSync(join(dir, 'server.pem'), server.certPem);
    writeFileSync(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
    port = await freePort();
    const config = join(dir, 'mosquitto.conf');
    writeFileSync(
      config,
      [
        'per_listener_settings false',
        'allow_anonymous false',
        'persistence false',
        'log_dest stderr',
        `listener ${port} 127.0.0.1`,
        `cafile ${join(dir, 'root.pem')}`,
        `certfile ${join(dir, 'server.pem')}`,
        `keyfile ${join(dir, 'server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
        ...(process.getuid?.() === 0 ? ['user root'] : []),
        '',
      ].join('\n'),
    );
    broker = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    broker.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    for (let i = 0; !(await accepts(port)); i++) {
      if (broker.exitCode !== null || i > 200) throw new Error(`mosquitto did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    if (broker !== undefined && broker.exitCode === null) {
      broker.kill('SIGTERM');
      await once(broker, 'exit');
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('connects, is known by its device id, and gets its own message back', async () => {
    const chip = createMemoryChip();
    await provision(chip.element(), acme);
    const identity = await DeviceIdentity.open(chip.element(), {
      definition: acme.definition,
      tlsKey: await emulatorTlsKey(chip),
    });
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
      ...identity.tlsOptions({ ca: serverCa }),
      reconnectPeriod: 0,
      connectTimeout: 8_000,
    });
    try {
      const topic = `devices/${identity.deviceId}/hello`;
      await client.subscribeAsync(topic);
      const received = new Promise<string>((resolve) =>
        client.once('message', (_t, payload) => resolve(String(payload))),
      );
      await client.publishAsync(topic, 'hello broker');
      expect(await received).toBe('hello broker');
    } finally {
      await client.endAsync();
    }
    expect(log).toContain(`u'${identity.deviceId}'`);
  });

  it('is refused without a client key', async () => {
    const chip = createMemoryChip();
    await provision(chip.element(), acme);
    const identity = await DeviceIdentity.open(chip.element(), { definition: acme.definition });
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, {
        cert: identity.chainPem(),
        ca: serverCa,
        reconnectPeriod: 0,
        connectTimeout: 4_000,
      }),
    ).rejects.toThrow();
  });
});
