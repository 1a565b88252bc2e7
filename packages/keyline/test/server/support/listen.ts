import type { AddressInfo, Server } from 'node:net';

/** Starts `server` (a net, TLS or HTTPS server) on a free loopback port; the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes `server` and waits until it has (nothing to do when it was never made). */
export function closeServer(server: Server | undefined): Promise<void> {
  return new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
}
