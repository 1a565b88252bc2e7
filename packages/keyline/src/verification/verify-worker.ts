/**
 * A verifier pool's worker thread (piscina): checks batches of attestation tokens with core's
 * checkDeviceTokenSync (verifyDevice's steps 1 to 7) against the pool's trust anchors, with its own
 * ValidationCache so that the CA certificates of x5c are decoded and verified once per worker.
 * Revocation and the single use of nonces stay on the pool's thread (verifier-pool.ts).
 */
import { Certificate, ValidationCache, checkDeviceTokenSync, deviceTemplateShapes } from '@keyline/core';
import { workerData } from 'piscina';
import type { TokenCheck, TokenCheckAnswer, VerifierWorkerData } from './messages.js';

const data = workerData as VerifierWorkerData;
const anchors = data.trustAnchors.map((der) => Certificate.fromDer(der));
// With the device-shape lane: a new device whose certificate is its CA's template is checked by its own fields.
const cache = new ValidationCache({
  deviceShapes: deviceTemplateShapes(),
  ...(data.cacheEntries === undefined ? {} : { maxEntries: data.cacheEntries }),
});

function check(request: TokenCheck): TokenCheckAnswer {
  try {
    const result = checkDeviceTokenSync({
      token: request.token,
      trustAnchors: anchors,
      time: new Date(request.timeMs),
      cache,
      ...(request.audience === undefined ? {} : { audience: request.audience }),
      ...(request.nonce === undefined ? {} : { challenge: { nonce: request.nonce } }),
      ...(request.maxSkewSeconds === undefined ? {} : { maxSkewSeconds: request.maxSkewSeconds }),
    });
    if (!result.ok) return { ok: false, code: result.code, message: result.message };
    const { deviceId, manufacturerId, productId, serialNumber, nonce, chain } = result;
    return {
      ok: true,
      deviceId,
      manufacturerId,
      productId,
      serialNumber,
      nonce,
      anchor: anchors.indexOf(chain[chain.length - 1]!),
    };
  } catch (error) {
    const e = error as Error;
    return { ok: 'threw', name: e?.name ?? 'Error', message: e?.message ?? String(error) };
  }
}

/** One batch: the answers in the order of the requests. */
export default function checkBatch(batch: readonly TokenCheck[]): TokenCheckAnswer[] {
  return batch.map(check);
}
