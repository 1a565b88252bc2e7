import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createMemoryChip } from '@keyline/se';
import { emulatorTlsKey } from '@keyline/se/emulator-tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceIdentity } from '../src/index.js';
import { makeHierarchy, provision, serverCertificate, type Hierarchy } from './fixtures.js';

/**
 * Mutual TLS with an emulated device's key: a real node:tls server that requires a client
 * certificate chaining to the test root, and the device connecting with `identity.tlsOptions()`.
 */
let acme: Hierarchy;
let serverKeyPem: string;
let serverCertPem: string;
let serverCaPem: string;

beforeAll(async () => {
  acme = await makeHierarchy('Acme');
  ({ keyPem: serverKeyPem, certPem: serverCertPem } = serverCertificate());
  serverCaPem = serverCertPem;
});

interface Peer {
  server: tls.Server;
  port: number;
  seen: { subjectCn: string | undefined; authorized: boolean; error: string | null }[];
}

async function mutualTlsServer(): Promise<Peer> {
  const seen: Peer['seen'] = [];
  const server = tls.createServer(
    {
      key: serverKeyPem,
      cert: serverCertPem,
      ca: acme.root.toPem(),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (socket) => {
      const peer = socket.getPeerCertificate();
      seen.push({
        subjectCn: peer.subject?.CN as string | undefined,
        authorized: socket.authorized,
        error: socket.authorizationError?.message ?? null,
      });
      socket.end('hello device\n');
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, seen };
}

let peer: Peer;
beforeAll(async () => {
  peer = await mutualTlsServer();
});
afterAll(() => peer.server.close());

async function connect(options: tls.ConnectionOptions): Promise<string> {
  const socket = tls.connect({ host: '127.0.0.1', port: peer.port, servername: 'localhost', ...options });
  socket.setEncoding('utf8');
  let data = '';
  socket.on('data', (chunk: string) => (data += chunk));
  await once(socket, 'end');
  socket.destroy();
  return data;
}

describe('tlsOptions on an emulated chip (EMULATOR-ONLY key handle)', () => {
  it('connects with mutual TLS to a server that requires a client certificate', async () => {
    const chip = createMemoryChip();
    const element = chip.element();
    await provision(element, acme);
    const identity = await DeviceIdentity.open(element, {
      definition: acme.definition,
      tlsKey: await emulatorTlsKey(chip),
    });
    const options = identity.tlsOptions({ ca: serverCaPem });
    expect(options.cert).toBe(identity.chainPem());
    expect(options.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(options.privateKeyEngine).toBeUndefined();
    expect(await connect(options)).toBe('hello device\n');
    expect(peer.seen.at(-1)).toEqual({ subjectCn: identity.deviceId, authorized: true, error: null });
  });

  it('works for https.request too', async () => {
    const chip = createMemoryChip();
    const element = chip.element();
    await provision(element, acme);
    const identity = await DeviceIdentity.open(element, {
      definition: acme.definition,
      tlsKey: await emulatorTlsKey(chip),
    });
    const server = https.createServer(
      { key: serverKeyPem, cert: serverCertPem, ca: acme.root.toPem(), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const cert = (req.socket as tls.TLSSocket).getPeerCertificate();
        res.end(`device ${cert.subject.CN as string}`);
      },
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port, servername: 'localhost', path: '/', ...identity.tlsOptions({ ca: serverCaPem }) },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe(`device ${identity.deviceId}`);
    } finally {
      server.close();
    }
  });

  it("is refused by the server without the device's chain, and refuses another chip's key", async () => {
    const chip = createMemoryChip();
    const element = chip.element();
    await provision(element, acme);
    const key = await emulatorTlsKey(chip);
    const identity = await DeviceIdentity.open(element, { definition: acme.definition, tlsKey: key });
    // Leaf alone (no issuing and manufacturer CA): the server cannot build the path to its root.
    const leafOnly = { ...identity.tlsOptions({ ca: serverCaPem }), cert: identity.chain[0]!.toPem() };
    const before = peer.seen.length;
    // TLS 1.3: the client may finish its side before the server's alert, so it sees an error or an empty stream.
    const outcome = await connect(leafOnly).catch((error: Error) => `error: ${error.message}`);
    expect(outcome).not.toBe('hello device\n');
    expect(peer.seen.length).toBe(before);

    const another = createMemoryChip();
    await provision(another.element(), acme);
    const wrong = await DeviceIdentity.open(element, {
      definition: acme.definition,
      tlsKey: await emulatorTlsKey(another),
    });
    expect(() => wrong.tlsOptions()).toThrow(expect.objectContaining({ code: 'ERR_DEVICE_TLS_KEY_MISMATCH' }));
    const none = await DeviceIdentity.open(element, { definition: acme.definition });
    expect(() => none.tlsOptions()).toThrow(expect.objectContaining({ code: 'ERR_DEVICE_NO_TLS_KEY' }));
  });
});
