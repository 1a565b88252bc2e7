import { createConnection, createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verify } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPCODE } from '../../src/atecc/opcodes.js';
import { encodeCommandFrame } from '../../src/frame/command-frame.js';
import { decodeResponseFrame } from '../../src/frame/response-frame.js';
import { encodeHello } from '../../src/transport/socket-protocol.js';
import { SocketTransport } from '../../src/transport/socket-client.js';
import { connectElement, serveTray, type TrayServer } from '../../src/tray/serve.js';
import { createTray } from '../../src/tray/tray.js';
import { runFixture, waitForLine } from '../fixtures/child.js';
import { expectCode, publicKeyObject, sha256, tempDir } from '../helpers.js';

let dir: { path: string; remove(): Promise<void> };
let serials: string[];
let server: TrayServer | undefined;
let socketPath: string;

beforeEach(async () => {
  dir = await tempDir();
  serials = await createTray(join(dir.path, 'tray'), 3);
  socketPath = join(dir.path, 'se.sock');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

/** Sends raw bytes on a fresh connection and collects what comes back until `bytes` have arrived or the peer closes. */
function raw(chunks: Uint8Array[], bytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path: socketPath });
    const received: Buffer[] = [];
    let total = 0;
    socket.on('data', (chunk) => {
      received.push(chunk);
      total += chunk.length;
      if (total >= bytes) {
        socket.destroy();
        resolve(new Uint8Array(Buffer.concat(received)));
      }
    });
    socket.on('close', () => resolve(new Uint8Array(Buffer.concat(received))));
    socket.on('error', reject);
    socket.on('connect', () => chunks.forEach((c) => socket.write(c)));
  });
}

describe('serving a tray over a local socket', () => {
  it('selects chips by serial number, each with its own state', async () => {
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    const a = await connectElement({ socketPath, serialHex: serials[0]! });
    const b = await connectElement({ socketPath, serialHex: serials[1]!.toUpperCase() });
    expect((await a.info()).serialHex).toBe(serials[0]);
    expect((await b.info()).serialHex).toBe(serials[1]);
    await a.incrementCounter(0);
    expect(await b.readCounter(0)).toBe(0);
    await a.close();
    await b.close();
  });

  it('keeps the sessions of two hosts on one chip apart', async () => {
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    const a = await connectElement({ socketPath, serialHex: serials[0]! });
    const b = await connectElement({ socketPath, serialHex: serials[0]! });
    const publicKey = await a.generateKey(0);
    const messages = Array.from({ length: 6 }, (_, i) => `m${i}`);
    const signatures = await Promise.all(messages.map((m, i) => (i % 2 ? a : b).sign(0, sha256(m))));
    signatures.forEach((s, i) =>
      expect(
        verify('sha256', Buffer.from(messages[i]!), { key: publicKeyObject(publicKey), dsaEncoding: 'ieee-p1363' }, s),
      ).toBe(true),
    );
    await a.close();
    await b.close();
  });

  it('refuses unknown chips, bad serials, and missing servers with codes', async () => {
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    await expectCode(connectElement({ socketPath, serialHex: '0123000000000000ff' }), 'ERR_SE_CHIP_NOT_FOUND');
    await expect(connectElement({ socketPath, serialHex: 'xyz' })).rejects.toMatchObject({ code: 'ERR_SE_BAD_SERIAL' });
    await expectCode(
      connectElement({ socketPath: join(dir.path, 'nobody.sock'), serialHex: serials[0]! }),
      'ERR_SE_TRANSPORT',
    );
  });

  it('reports an unusable image at selection', async () => {
    await writeFile(join(dir.path, 'tray', `${serials[2]}.chip`), '{"format":');
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    await expectCode(connectElement({ socketPath, serialHex: serials[2]! }), 'ERR_SE_BAD_IMAGE');
  });

  it('answers a bad hello with 0x02 and closes', async () => {
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    expect(await raw([new Uint8Array(14).fill(0x41)], 2)).toEqual(Uint8Array.of(0x02));
  });

  it('answers malformed frames and stays in step with the stream', async () => {
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    const info = encodeCommandFrame({ opcode: OPCODE.INFO, param1: 0, param2: 0, data: new Uint8Array(0) });
    const badCrc = new Uint8Array(info);
    badCrc[6] = badCrc[6]! ^ 1;
    const unknown = encodeCommandFrame({ opcode: 0x77, param1: 0, param2: 0, data: new Uint8Array(0) });
    // hello, a frame with a bad CRC, a 3-byte frame, an unknown opcode, a good Info
    const chunks = [encodeHello(serials[0]!), badCrc, Uint8Array.of(3, 1, 2), unknown, info];
    const got = await raw(chunks, 1 + 4 + 4 + 4 + 7);
    expect(got[0]).toBe(0x00);
    let at = 1;
    const responses: string[] = [];
    while (at < got.length) {
      responses.push(Buffer.from(decodeResponseFrame(got.subarray(at, at + got[at]!))).toString('hex'));
      at += got[at]!;
    }
    expect(responses).toEqual(['ff', 'ff', '03', '00006002']);
  });

  it('fails pending and later calls when the server goes away', async () => {
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    const se = await connectElement({ socketPath, serialHex: serials[0]!, timeoutMs: 500 });
    expect((await se.random(8)).length).toBe(8);
    await server.close();
    server = undefined;
    await expectCode(se.random(8), 'ERR_SE_TRANSPORT');
    await se.close();
    await expectCode(se.random(8), 'ERR_SE_CLOSED');
  });

  it('times out on a peer that never answers', async () => {
    const mute = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => mute.listen(socketPath, resolve));
    try {
      const transport = new SocketTransport({ socketPath, serialHex: serials[0]!, timeoutMs: 80 });
      await expectCode(transport.open(), 'ERR_SE_NOT_RESPONDING');
    } finally {
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('replaces a stale socket file but never a live server', async () => {
    await writeFile(socketPath, '');
    server = await serveTray(join(dir.path, 'tray'), { socketPath });
    await expectCode(serveTray(join(dir.path, 'tray'), { socketPath }), 'ERR_SE_TRANSPORT');
    const se = await connectElement({ socketPath, serialHex: serials[0]! });
    expect((await se.info()).serialHex).toBe(serials[0]);
    await se.close();
  });

  it('listens on loopback only', async () => {
    await expect(serveTray(join(dir.path, 'tray'), { port: 0, host: '0.0.0.0' })).rejects.toThrow(TypeError);
    await expect(serveTray(join(dir.path, 'tray'), { port: 0, socketPath })).rejects.toThrow(TypeError);
  });

  it('serves a device program in another process, as over a bus', async () => {
    const child = runFixture('serve-tray.ts', [join(dir.path, 'tray'), socketPath]);
    try {
      await waitForLine(child, /^ready$/);
      const se = await connectElement({ socketPath, serialHex: serials[1]! });
      const publicKey = await se.generateKey(0);
      const signature = await se.sign(0, sha256('from afar'));
      expect(
        verify(
          'sha256',
          Buffer.from('from afar'),
          { key: publicKeyObject(publicKey), dsaEncoding: 'ieee-p1363' },
          signature,
        ),
      ).toBe(true);
      await se.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
