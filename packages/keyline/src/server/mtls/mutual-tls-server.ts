import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Server as TlsServer, TlsOptions, TLSSocket } from 'node:tls';
import {
  certificatesFrom,
  encodePem,
  isKeylineError,
  systemClock,
  ValidationCache,
  type Clock,
  type VerifiedDevice,
  type VerifyDeviceResult,
} from '@keyline/core';
import { checkDevice, type DeviceCheckOptions } from './device-check.js';
import { peerChainOf } from './peer-chain.js';

/** Why a TLS client was disconnected (reported to `onRefused`, never to the client). */
export interface MutualTlsRefusal {
  readonly code: 'ERR_MTLS_NO_CLIENT_CERT' | 'ERR_MTLS_CLIENT_REFUSED';
  /** The verification's own code (ERR_PATH_REVOKED, ERR_PATH_NO_ANCHOR, …), or `code` when no chain was sent. */
  readonly reason: string;
  readonly message: string;
  readonly remoteAddress: string | undefined;
}

/** How TLS clients are checked: trust anchors, revocation and time, and who hears about refusals. */
export interface MutualTlsVerification extends Omit<DeviceCheckOptions, 'clock' | 'cache'> {
  /** Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Verified CA signatures and path prefixes, shared across connections (issue 5 section 2).
   * Default: one ValidationCache of the server's own, so that a device costs one signature check
   * (its certificate's), not one per certificate of its chain on every connection.
   */
  readonly cache?: ValidationCache;
  /** Called for every refused client (logging, metrics). */
  readonly onRefused?: (refusal: MutualTlsRefusal) => void;
  /** Called for every accepted client once its chain verified. */
  readonly onDevice?: (device: VerifiedDevice, socket: TLSSocket) => void;
}

/** What `createMutualTlsServer` takes. */
export interface MutualTlsServerOptions extends MutualTlsVerification {
  /** The server's certificate chain and key, PEM. */
  readonly serverCert: string | Uint8Array;
  readonly serverKey: string | Uint8Array;
  /** Further Node TLS options (minVersion, ciphers, …); the client-certificate options are this helper's. */
  readonly tls?: Omit<TlsOptions, 'requestCert' | 'rejectUnauthorized' | 'key' | 'cert' | 'ca'>;
  /** Handles each request of a verified device; `request.device` is its identity. */
  readonly handler: (request: DeviceRequest, response: ServerResponse) => void;
}

/** An HTTP request over a connection whose client verified as a device. */
export type DeviceRequest = IncomingMessage & { readonly device: VerifiedDevice };

/**
 * Each socket's verdict (a promise) and, once accepted, its device, kept on the socket itself under
 * symbols rather than in WeakMaps keyed by sockets: V8's scavenger keeps a young key of an old
 * WeakMap alive (docs/architecture.md), so under connection churn every socket, with its buffers,
 * would wait for a full collection instead of dying young.
 */
const VERDICT = Symbol('keyline.mtls.verdict');
const DEVICE = Symbol('keyline.mtls.device');
type JudgedSocket = TLSSocket & {
  [VERDICT]?: Promise<VerifiedDevice | undefined>;
  [DEVICE]?: VerifiedDevice;
};

/**
 * The TLS options that make a server ask every client for a certificate without letting OpenSSL
 * judge it: `requestCert` true, `rejectUnauthorized` false. OpenSSL's own chain check knows
 * neither the ecosystem profile nor our revocation records, so the verdict is trust/'s
 * (`requireVerifiedDevices`). The anchors are sent as the acceptable CA names (RFC 8446 4.2.4),
 * which lets a client with several identities pick the right one.
 */
export function mutualTlsServerOptions(options: {
  readonly serverCert: string | Uint8Array;
  readonly serverKey: string | Uint8Array;
  readonly trustAnchors: MutualTlsVerification['trustAnchors'];
}): TlsOptions {
  return {
    key: Buffer.from(options.serverKey),
    cert: Buffer.from(options.serverCert),
    ca: certificatesFrom(options.trustAnchors).map((anchor) => encodePem('CERTIFICATE', anchor.der)),
    requestCert: true,
    rejectUnauthorized: false,
  };
}

/**
 * Makes `server` (a `tls.Server` or `https.Server` made with `mutualTlsServerOptions`) keep only
 * clients whose certificate chain verifies as an unrevoked device of the ecosystem: on every
 * handshake the presented chain goes through verifyDevice (ecosystem profile, chain to the
 * anchors, revocation as configured), and a client without a certificate or with a refused one is
 * disconnected at once. Accepted sockets carry their identity (`verifiedDeviceOf`).
 *
 * Why after the handshake and not inside it: Node offers no asynchronous client-certificate
 * callback, and with TLS 1.3 the client's certificate arrives after the server's Finished anyway.
 * No application data is handed on before the verdict (`deviceOf` waits for it).
 */
export function requireVerifiedDevices(server: TlsServer, options: MutualTlsVerification): void {
  const check = { ...options, clock: options.clock ?? systemClock, cache: options.cache ?? new ValidationCache() };
  // Prepended: the verdict starts before any other listener (https's HTTP parser) sees the socket.
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    (socket as JudgedSocket)[VERDICT] = verifySocket(socket, check);
  });
}

/**
 * An HTTPS server that requires a verified device on every connection and hands each request to
 * `handler` with the device's identity as `request.device`. Listen on it as on any https.Server.
 */
export function createMutualTlsServer(options: MutualTlsServerOptions): HttpsServer {
  const server = createHttpsServer({ ...options.tls, ...mutualTlsServerOptions(options) }, (request, response) => {
    void deviceOf(request.socket as TLSSocket).then((device) => {
      if (device === undefined) return; // refused: the socket is already destroyed
      Object.defineProperty(request, 'device', { value: device, enumerable: true });
      options.handler(request as DeviceRequest, response);
    });
  });
  requireVerifiedDevices(server, options);
  return server;
}

/** The verdict on a socket of a server under `requireVerifiedDevices`: the device, or undefined when refused. */
export function deviceOf(socket: TLSSocket): Promise<VerifiedDevice | undefined> {
  return (socket as JudgedSocket)[VERDICT] ?? Promise.resolve(undefined);
}

/** The identity of an accepted socket once its verdict is in (undefined before, or when refused). */
export function verifiedDeviceOf(socket: TLSSocket): VerifiedDevice | undefined {
  return (socket as JudgedSocket)[DEVICE];
}

async function verifySocket(
  socket: TLSSocket,
  options: MutualTlsVerification & { readonly clock: Clock },
): Promise<VerifiedDevice | undefined> {
  const refuse = (code: MutualTlsRefusal['code'], reason: string, message: string): undefined => {
    options.onRefused?.({ code, reason, message, remoteAddress: socket.remoteAddress });
    socket.destroy();
    return undefined;
  };
  let chain: Uint8Array[];
  try {
    chain = peerChainOf(socket);
  } catch {
    return refuse('ERR_MTLS_CLIENT_REFUSED', 'ERR_MTLS_CLIENT_REFUSED', 'the client certificate chain cannot be read');
  }
  if (chain.length === 0) {
    return refuse('ERR_MTLS_NO_CLIENT_CERT', 'ERR_MTLS_NO_CLIENT_CERT', 'the TLS client presented no certificate');
  }
  let result: VerifyDeviceResult;
  try {
    result = await checkDevice(options, { chain });
  } catch (error) {
    // A store that fails must not let a device in: refuse, and say why to the operator.
    const reason = isKeylineError(error) ? error.code : 'ERR_SERVER_INTERNAL';
    return refuse('ERR_MTLS_CLIENT_REFUSED', reason, 'the client certificate chain could not be checked');
  }
  if (!result.ok) return refuse('ERR_MTLS_CLIENT_REFUSED', result.code, result.message);
  if (socket.destroyed) return undefined;
  (socket as JudgedSocket)[DEVICE] = result;
  options.onDevice?.(result, socket);
  return result;
}
