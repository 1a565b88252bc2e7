import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { encodePem } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutualTlsServerOptions } from '../../../src/server/mtls/index.js';
import { peerChainOf } from '../../../src/server/mtls/peer-chain.js';
import { loadOrCreateServerTls, type ServerTlsFiles } from '../../../src/server/index.js';
import { issueTestDevice, type TestDevice } from '../support/devices.js';
import { serverFixture, type ServerFixture } from '../support/fixture.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';

let f: ServerFixture;
let tlsFiles: ServerTlsFiles;
let device: TestDevice;
let server: Server;
let port: number;
/** The chain the server read from each connection, in the order the connections were made. */
const read: Uint8Array[][] = [];
let next: ((chain: Uint8Array[]) => void) | undefined;

beforeAll(async () => {
  f = await serverFixture();
  tlsFiles = await loadOrCreateServerTls({ dataDir: f.dir, host: '127.0.0.1', clock: f.clock });
  device = await issueTestDevice(f.ca, f.line1, f.acme);
  server = createServer(
    mutualTlsServerOptions({
      serverCert: tlsFiles.cert,
      serverKey: tlsFiles.key,
      trustAnchors: f.root.certificateDer!,
    }),
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    const chain = peerChainOf(socket);
    read.push(chain);
    next?.(chain);
    socket.end();
  });
  port = await listenOnLoopback(server);
}, 60_000);

afterAll(async () => {
  await closeServer(server);
  await f?.close();
});

/** What the server reads from a client that sends `certPem` (nothing when undefined). */
function chainReadFrom(certPem: string | undefined): Promise<Uint8Array[]> {
  return new Promise((resolve, reject) => {
    next = resolve;
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: tlsFiles.cert,
      servername: 'localhost',
      rejectUnauthorized: false,
      ...(certPem === undefined ? {} : { cert: certPem, key: device.keyPem }),
    });
    socket.on('error', reject);
    socket.on('data', () => undefined);
  });
}

const hex = (chain: readonly Uint8Array[]): string[] => chain.map((der) => Buffer.from(der).toString('hex'));

describe('peerChainOf', () => {
  it('reads the chain the client sent, leaf first, and nothing of the server’s own', async () => {
    // The server's `ca` holds the root (the acceptable CA names): it must not be added to the chain.
    expect(hex(await chainReadFrom(device.chainPem))).toEqual(hex(device.chain));
  });

  it('drops a self-signed certificate the client sent after its leaf', async () => {
    const withRoot = device.chainPem + encodePem('CERTIFICATE', f.root.certificateDer!);
    expect(hex(await chainReadFrom(withRoot))).toEqual(hex(device.chain));
  });

  it('reads only the leaf when the client sends no intermediates', async () => {
    expect(hex(await chainReadFrom(encodePem('CERTIFICATE', device.chain[0]!)))).toEqual(hex(device.chain.slice(0, 1)));
  });

  it('reads nothing from a client without a certificate', async () => {
    expect(await chainReadFrom(undefined)).toEqual([]);
  });
});
