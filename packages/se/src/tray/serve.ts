import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { unlink } from 'node:fs/promises';
import { isKeylineError, KeylineError } from '@keyline/core';
import type { ChipOptions } from '../emulator/chip.js';
import type { ChipSession } from '../emulator/commands/index.js';
import { CommandProcessor } from '../emulator/processor.js';
import { ByteReader } from '../transport/byte-reader.js';
import {
  checkAddress,
  decodeHello,
  HELLO_BAD,
  HELLO_BAD_IMAGE,
  HELLO_LENGTH,
  HELLO_NO_CHIP,
  HELLO_OK,
  type SocketAddress,
} from '../transport/socket-protocol.js';
import { SocketTransport } from '../transport/socket-client.js';
import { FramedElement } from '../framed-element.js';
import { Tray } from './tray.js';

export interface ServeTrayOptions extends SocketAddress {
  /** How the served chips behave (timing model, randomness). */
  readonly chip?: ChipOptions;
}

/** A running tray server. */
export interface TrayServer {
  /** Where it listens: the socket path, or the loopback host and the bound port. */
  readonly address: { readonly socketPath: string } | { readonly host: string; readonly port: number };
  /** Stops listening, drops every connection, and writes out pending chip changes. */
  close(): Promise<void>;
}

const MAX_BUFFERED = 64 * 1024;

async function serveConnection(socket: Socket, tray: Tray): Promise<void> {
  const reader = new ByteReader(socket);
  // Frames are at most 255 bytes and answered in order; a peer that floods without reading is cut off.
  socket.on('data', () => {
    if (reader.buffered > MAX_BUFFERED) socket.destroy();
  });
  const serialHex = decodeHello(await reader.read(HELLO_LENGTH));
  if (serialHex === undefined) {
    socket.end(Uint8Array.of(HELLO_BAD));
    return;
  }
  let processor: CommandProcessor;
  try {
    processor = new CommandProcessor(await tray.chip(serialHex));
  } catch (error) {
    socket.end(Uint8Array.of(isKeylineError(error, 'ERR_SE_CHIP_NOT_FOUND') ? HELLO_NO_CHIP : HELLO_BAD_IMAGE));
    return;
  }
  socket.write(Uint8Array.of(HELLO_OK));
  const session: ChipSession = processor.openSession();
  for (;;) {
    // Each frame is as long as its count byte says (at least the count byte itself); the processor
    // answers a malformed one with a communication-error status and the stream stays in step.
    const [count] = await reader.read(1);
    const rest = await reader.read(Math.max(1, count!) - 1);
    const frame = new Uint8Array(1 + rest.length);
    frame[0] = count!;
    frame.set(rest, 1);
    const response = await processor.process(frame, session);
    if (response !== null && !socket.destroyed) socket.write(response);
  }
}

function listen(server: Server, address: SocketAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (address.socketPath !== undefined) server.listen(address.socketPath, done);
    else server.listen(address.port, address.host ?? '127.0.0.1', done);
  });
}

/** Whether something answers on a Unix socket path (a live server rather than a stale file). */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection({ path });
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Serves every chip of the tray in `dir` on a Unix domain socket or a loopback TCP port, so that a
 * device program in another process talks to a chip as over its bus (`connectElement`). A stale socket
 * file left by a crashed server is replaced; a live one is not.
 */
export async function serveTray(dir: string, options: ServeTrayOptions): Promise<TrayServer> {
  checkAddress(options);
  const tray = new Tray(dir, options.chip);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    serveConnection(socket, tray).catch(() => socket.destroy());
  });
  try {
    await listen(server, options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (options.socketPath === undefined || code !== 'EADDRINUSE' || (await socketIsLive(options.socketPath)))
      throw new KeylineError('ERR_SE_TRANSPORT', 'cannot listen on that address', undefined, { cause: error });
    await unlink(options.socketPath);
    await listen(server, options);
  }
  const bound = server.address();
  const address =
    options.socketPath !== undefined
      ? { socketPath: options.socketPath }
      : {
          host: options.host ?? '127.0.0.1',
          port: typeof bound === 'object' && bound !== null ? bound.port : options.port!,
        };
  return {
    address,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tray.flush();
    },
  };
}

/** Options of `connectElement`: where the tray is served, which chip, how long to wait for answers. */
export interface ConnectElementOptions extends SocketAddress {
  readonly serialHex: string;
  readonly timeoutMs?: number;
}

/** A `SecureElement` on one chip of a served tray, over the socket (connected and selected before it returns). */
export async function connectElement(options: ConnectElementOptions): Promise<FramedElement> {
  const transport = new SocketTransport(options);
  await transport.open();
  return new FramedElement(transport);
}
