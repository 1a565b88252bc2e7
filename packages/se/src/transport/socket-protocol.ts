import { fail } from '@keyline/core';
import { fromHex } from '../bytes.js';

/**
 * The local-socket protocol of `serveTray`: the connection opens with a hello that selects one chip
 * of the tray, then carries raw command frames one way and response frames the other, each delimited
 * by its own count byte, exactly as on the chip's bus. A chip that does not answer sends nothing.
 *
 * Hello: "KLSE" (4 bytes), version 0x01, the chip's 9-byte serial number.
 * Answer: one byte: 0x00 selected, 0x01 no such chip, 0x02 bad hello, 0x03 the chip's image is unusable.
 */
export const HELLO_MAGIC = Uint8Array.of(0x4b, 0x4c, 0x53, 0x45);
export const PROTOCOL_VERSION = 0x01;
export const HELLO_LENGTH = 14;

export const HELLO_OK = 0x00;
export const HELLO_NO_CHIP = 0x01;
export const HELLO_BAD = 0x02;
export const HELLO_BAD_IMAGE = 0x03;

/** Where a tray is served: a Unix domain socket path, or a TCP port on the loopback interface. */
export interface SocketAddress {
  readonly socketPath?: string;
  readonly port?: number;
  /** Default 127.0.0.1; the server refuses anything but a loopback address. */
  readonly host?: string;
}

export function checkSerialHex(serialHex: string): string {
  if (typeof serialHex !== 'string' || !/^[0-9a-fA-F]{18}$/.test(serialHex)) fail('ERR_SE_BAD_SERIAL');
  return serialHex.toLowerCase();
}

export function encodeHello(serialHex: string): Uint8Array {
  const hello = new Uint8Array(HELLO_LENGTH);
  hello.set(HELLO_MAGIC, 0);
  hello[4] = PROTOCOL_VERSION;
  hello.set(fromHex(checkSerialHex(serialHex), 'ERR_SE_BAD_SERIAL', 'serial'), 5);
  return hello;
}

/** The serial a hello selects, or undefined for a malformed hello. */
export function decodeHello(hello: Uint8Array): string | undefined {
  if (hello.length !== HELLO_LENGTH || hello[4] !== PROTOCOL_VERSION) return undefined;
  for (let i = 0; i < HELLO_MAGIC.length; i++) if (hello[i] !== HELLO_MAGIC[i]) return undefined;
  return Buffer.from(hello.subarray(5)).toString('hex');
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Checks an address names exactly one of a socket path or a loopback TCP port. */
export function checkAddress(address: SocketAddress): void {
  const hasPath = address.socketPath !== undefined;
  const hasPort = address.port !== undefined;
  if (hasPath === hasPort) throw new TypeError('give exactly one of socketPath or port');
  if (hasPort && (!Number.isInteger(address.port) || address.port! < 0 || address.port! > 65535))
    throw new TypeError('port must be 0-65535');
  if (address.host !== undefined && !isLoopbackHost(address.host))
    throw new TypeError('the emulator is served on a loopback address only');
}
