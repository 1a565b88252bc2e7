import { once } from 'node:events';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { DeviceIdentity } from '@keyline/device';

/** The verification service as a device sees it: the server's base URL and the API token of the service. */
export interface VerificationService {
  readonly url: string;
  readonly token: string;
}

/** How one device fared. */
export type DeviceVerdict = { readonly ok: true } | { readonly ok: false; readonly code: string };

/** A round over many devices: how many were accepted, the refusals' codes, and the rate. */
export interface RoundResult {
  readonly accepted: number;
  readonly refused: readonly { readonly deviceId: string; readonly code: string }[];
  readonly perSecond: number;
}

/** Runs `fn` over `items`, `limit` at a time, and times the whole. */
export async function round<T extends { readonly deviceId: string }>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<DeviceVerdict>,
): Promise<RoundResult> {
  const started = performance.now();
  const refused: { deviceId: string; code: string }[] = [];
  let accepted = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      const verdict = await fn(item);
      if (verdict.ok) accepted++;
      else refused.push({ deviceId: item.deviceId, code: verdict.code });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { accepted, refused, perSecond: Math.round(items.length / Math.max(seconds, 1e-6)) };
}

async function postJson(service: VerificationService, path: string, body: unknown): Promise<Response> {
  return fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${service.token}` },
    body: JSON.stringify(body),
  });
}

/**
 * One device proves who it is to the verification service: it asks for a nonce, signs a token
 * inside its secure element, and the service verifies chain, signature, nonce, audience and
 * revocation (POST /api/v1/challenges, then POST /api/v1/verify).
 */
export async function attestOnce(
  service: VerificationService,
  identity: DeviceIdentity,
  audience: string,
): Promise<DeviceVerdict> {
  const challenge = await postJson(service, '/api/v1/challenges', {});
  if (challenge.status !== 201) return { ok: false, code: `HTTP_${challenge.status}` };
  const { nonce } = (await challenge.json()) as { nonce: string };
  const token = await identity.attest({ nonce, audience });
  const verdict = await postJson(service, '/api/v1/verify', { token, audience });
  const body = (await verdict.json()) as { ok?: boolean; code?: string; deviceId?: string };
  if (verdict.status === 200 && body.ok === true && body.deviceId === identity.deviceId) return { ok: true };
  return { ok: false, code: body.code ?? `HTTP_${verdict.status}` };
}

/**
 * One device connects with mutual TLS (its key used inside the element; for the emulator through
 * its emulator-only key handle) to a server that accepts only verified, unrevoked devices, and
 * reads the greeting that names it. A refused device sees its connection closed.
 */
export async function connectOnce(port: number, serverCaPem: string, identity: DeviceIdentity): Promise<DeviceVerdict> {
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/hello',
          servername: 'localhost',
          agent: false,
          ...identity.tlsOptions({ ca: serverCaPem }),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(text));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    return body === `hello ${identity.deviceId}` ? { ok: true } : { ok: false, code: 'WRONG_GREETING' };
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code ?? 'TLS_REFUSED' };
  }
}

/** The port a listening server got. */
export async function listenLocal(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}
