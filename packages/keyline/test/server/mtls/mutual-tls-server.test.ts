import { request as httpsRequest } from 'node:https';
import { connect, createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { ValidationCache, encodePem, type VerifiedDevice } from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LocalRevocation,
  createMutualTlsServer,
  mutualTlsServerOptions,
  requireVerifiedDevices,
  verifiedDeviceOf,
  type MutualTlsRefusal,
} from '../../../src/server/mtls/index.js';
import { loadOrCreateServerTls, type ServerTlsFiles } from '../../../src/server/index.js';
import { issueDevicePopulation } from '../support/device-population.js';
import type { TestDevice } from '../support/devices.js';
import { serverFixture, type ServerFixture } from '../support/fixture.js';
import { closeServer, listenOnLoopback } from '../support/listen.js';

let f: ServerFixture;
let tlsFiles: ServerTlsFiles;
let good: TestDevice;
let revoked: TestDevice;
let stranger: TestDevice;
const refusals: MutualTlsRefusal[] = [];
let server: ReturnType<typeof createMutualTlsServer>;
let port: number;

beforeAll(async () => {
  f = await serverFixture();
  tlsFiles = await loadOrCreateServerTls({ dataDir: f.dir, host: '127.0.0.1', clock: f.clock });
  ({ good, revoked, stranger } = await issueDevicePopulation(f));
  server = createMutualTlsServer({
    trustAnchors: f.root.certificateDer!,
    serverCert: tlsFiles.cert,
    serverKey: tlsFiles.key,
    clock: f.clock,
    revocation: new LocalRevocation(f.store),
    revocationScope: 'chain',
    onRefused: (refusal) => refusals.push(refusal),
    handler: (request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ deviceId: request.device.deviceId, manufacturerId: request.device.manufacturerId }),
      );
    },
  });
  port = await listenOnLoopback(server);
}, 60_000);

afterAll(async () => {
  await closeServer(server);
  await f?.close();
});

/** GET / as `device` (or without a client certificate): the body, or the error that ended it. */
function get(device: TestDevice | undefined): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        ca: tlsFiles.cert,
        ...(device === undefined ? {} : { key: device.keyPem, cert: device.chainPem }),
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

describe('createMutualTlsServer', () => {
  it('accepts a device of the ecosystem and hands its verified identity to the handler', async () => {
    const answer = await get(good);
    expect(answer.error).toBeUndefined();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body!)).toEqual({ deviceId: good.deviceId, manufacturerId: 'acme' });
  });

  it('remembers verified signatures across connections with a ValidationCache of its own', async () => {
    // Given no cache, the server makes one: a device connecting again finds its chain's signatures
    // verified (without one, every connection checked every signature of the chain again).
    const lookups = vi.spyOn(ValidationCache.prototype, 'hasVerified');
    try {
      expect((await get(good)).status).toBe(200);
      expect((await get(good)).status).toBe(200);
      expect(lookups).toHaveBeenCalled();
      expect(lookups.mock.results.some((result) => result.value === true)).toBe(true);
    } finally {
      lookups.mockRestore();
    }
  });

  it.each([
    ['a device that chains to another root', () => stranger, 'ERR_MTLS_CLIENT_REFUSED'],
    ['a revoked device', () => revoked, 'ERR_MTLS_CLIENT_REFUSED'],
    ['a client without a certificate', () => undefined, 'ERR_MTLS_NO_CLIENT_CERT'],
  ])('disconnects %s before any request reaches the handler', async (_name, who, code) => {
    const before = refusals.length;
    const answer = await get(who());
    expect(answer.status).toBeUndefined();
    expect(answer.error).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    expect(refusals.length).toBe(before + 1);
    expect(refusals.at(-1)!.code).toBe(code);
  });

  it('names the reason of each refusal', () => {
    const reasons = refusals.map((r) => r.reason);
    expect(reasons).toContain('ERR_ATTEST_REVOKED');
    expect(reasons).toContain('ERR_MTLS_NO_CLIENT_CERT');
    expect(reasons).toContain('ERR_ATTEST_UNTRUSTED_CHAIN');
    expect(reasons).toHaveLength(3);
  });
});

describe('requireVerifiedDevices on a plain TLS server', () => {
  let tlsServer: TlsServer;
  let tlsPort: number;
  const accepted: VerifiedDevice[] = [];

  beforeAll(async () => {
    tlsServer = createTlsServer(
      mutualTlsServerOptions({
        serverCert: tlsFiles.cert,
        serverKey: tlsFiles.key,
        trustAnchors: f.root.certificateDer!,
      }),
    );
    requireVerifiedDevices(tlsServer, {
      trustAnchors: encodePem('CERTIFICATE', f.root.certificateDer!),
      clock: f.clock,
      revocation: new LocalRevocation(f.store),
      onDevice: (device, socket) => {
        accepted.push(device);
        expect(verifiedDeviceOf(socket)).toBe(device);
        socket.end(`hello ${device.deviceId}\n`);
      },
    });
    tlsPort = await listenOnLoopback(tlsServer);
  });
  afterAll(() => closeServer(tlsServer));

  function talk(device: TestDevice | undefined): Promise<string> {
    return new Promise((resolve) => {
      const socket: TLSSocket = connect({
        host: '127.0.0.1',
        port: tlsPort,
        ca: tlsFiles.cert,
        ...(device === undefined ? {} : { key: device.keyPem, cert: device.chainPem }),
      });
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
    });
  }

  it('greets the device and closes on the others', async () => {
    expect(await talk(good)).toBe(`hello ${good.deviceId}\n`);
    expect(await talk(revoked)).toBe('');
    expect(await talk(undefined)).toBe('');
    expect(accepted.map((d) => d.deviceId)).toEqual([good.deviceId]);
  });
});
