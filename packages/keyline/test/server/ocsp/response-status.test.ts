import {
  OcspResponse,
  buildOcspErrorResponse,
  buildOcspResponse,
  certIdFor,
  generateSigner,
  type OcspCertStatus,
} from '@keyline/core';
import { describe, expect, it } from 'vitest';
import { ocspStatusesOf } from '../../../src/server/ocsp/response-status.js';

const signer = generateSigner('P-256');
const name = Uint8Array.from([
  0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 0x43, 0x41,
]);
const certId = certIdFor(name, new Uint8Array(signer.publicKeySpki.subarray(-65)), '0a0b0c');
const now = new Date('2026-11-25T12:00:00Z');

function signed(
  certStatus: OcspCertStatus,
  options: { nonce?: Uint8Array; byName?: boolean } = {},
): Promise<Uint8Array> {
  return buildOcspResponse({
    responder: options.byName === true ? { byName: name } : { byKeyHash: new Uint8Array(20).fill(1) },
    producedAt: now,
    responses: [{ certId, certStatus, thisUpdate: now, nextUpdate: new Date(now.getTime() + 3_600_000) }],
    ...(options.nonce !== undefined && { nonce: options.nonce }),
    signer,
  });
}

/** What a full decode says, the reference. */
function decoded(der: Uint8Array): { response: string; cert: string } {
  const response = OcspResponse.fromDer(der);
  return { response: response.status, cert: response.basic?.responses[0]?.certStatus.status ?? 'none' };
}

describe('ocspStatusesOf: the statuses of our own responses without decoding them', () => {
  it('agrees with the full decoder on good, revoked (with and without reason) and unknown, nonce or not', async () => {
    const statuses: OcspCertStatus[] = [
      { status: 'good' },
      { status: 'revoked', revocationTime: now, reason: 'keyCompromise' },
      { status: 'revoked', revocationTime: now },
      { status: 'unknown' },
    ];
    for (const status of statuses) {
      for (const der of [
        await signed(status),
        await signed(status, { nonce: new Uint8Array(16).fill(9) }),
        await signed(status, { byName: true }),
      ]) {
        expect(ocspStatusesOf(der)).toEqual(decoded(der));
        expect(ocspStatusesOf(der)?.cert).toBe(status.status);
      }
    }
  });

  it('reads the unsigned error responses', () => {
    for (const status of ['malformedRequest', 'internalError', 'tryLater', 'sigRequired', 'unauthorized'] as const) {
      expect(ocspStatusesOf(buildOcspErrorResponse(status))).toEqual({ response: status, cert: 'none' });
    }
  });

  it('gives up (undefined) on anything else, for the full decoder to judge', async () => {
    const good = await signed({ status: 'good' });
    expect(ocspStatusesOf(new Uint8Array(0))).toBeUndefined();
    expect(ocspStatusesOf(Uint8Array.from(Buffer.from('not der')))).toBeUndefined();
    expect(ocspStatusesOf(Buffer.concat([good, Uint8Array.of(0)]))).toBeUndefined();
    for (const cut of [1, 5, 20, good.length - 1]) expect(ocspStatusesOf(good.subarray(0, cut))).toBeUndefined();
    // An unknown responseStatus value (4 is unused in RFC 6960).
    expect(ocspStatusesOf(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x04))).toBeUndefined();
  });
});
