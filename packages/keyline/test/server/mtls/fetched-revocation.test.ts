import { Certificate } from '@keyline/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../../src/ca/service-port.js';
import { crlUrlsOf, fetchedRevocation, ocspUrlsOf } from '../../../src/server/mtls/fetched-revocation.js';
import {
  deviceCsr,
  makeHierarchy,
  testAuthority,
  type Hierarchy,
  type TestAuthority,
} from '../../ca/support/hierarchy.js';

/**
 * `keyline verify-device --revocation ocsp|crl`: the pointers of the device certificate, the
 * request sent to them, and the verdicts on what comes back, with the HTTP client injected and
 * answered by the CA core itself.
 */

const PUBLIC = 'http://ca.example';
let t: TestAuthority;
let h: Hierarchy;
let device: Certificate;
let issuer: Certificate;
let serialHex: string;
const calls: { url: string; method: string; type: string | null }[] = [];

beforeEach(async () => {
  t = await testAuthority({ publicUrl: PUBLIC });
  h = await makeHierarchy(t.ca);
  const record = (
    await t.ca.issue({ caId: h.issuing.id, csrDer: await deviceCsr('feedface'), profile: 'device' }, CLI_ACTOR)
  ).record;
  device = Certificate.fromDer(record.der!);
  issuer = Certificate.fromDer(h.issuing.certificateDer!);
  serialHex = record.serialHex;
  calls.length = 0;
});
afterEach(() => t.dispose());

/** An HTTP client answered by the CA: OCSP by `ocspRespond`, CRLs by `generateCrl`; or a fixed failure. */
function caFetch(failure?: { status?: number; bytes?: number }): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    calls.push({ url, method: init?.method ?? 'GET', type: headers.get('content-type') });
    if (failure?.status !== undefined) return new Response('no', { status: failure.status });
    if (failure?.bytes !== undefined) return new Response(new Uint8Array(failure.bytes), { status: 200 });
    if (url.includes('/ocsp/')) {
      return new Response(await t.ca.ocspRespond(h.issuing.id, new Uint8Array(init!.body as Uint8Array)), {
        status: 200,
      });
    }
    return new Response((await t.ca.generateCrl({ caId: h.issuing.id }, CLI_ACTOR)).der, { status: 200 });
  }) as typeof fetch;
}

describe('fetchedRevocation', () => {
  it('finds the OCSP and CRL locations the CA wrote into the device certificate', () => {
    expect(ocspUrlsOf(device)).toEqual([`${PUBLIC}/ocsp/${h.issuing.id}`]);
    expect(crlUrlsOf(device)).toEqual([`${PUBLIC}/crl/${h.issuing.id}.crl`]);
  });

  it('ocsp: POSTs an OCSP request to the responder and reads good, then revoked', async () => {
    const source = fetchedRevocation('ocsp', caFetch());
    expect(await source.check(device, issuer, t.clock.now())).toEqual({ status: 'good' });
    expect(calls[0]).toEqual({
      url: `${PUBLIC}/ocsp/${h.issuing.id}`,
      method: 'POST',
      type: 'application/ocsp-request',
    });
    await t.ca.revoke({ caId: h.issuing.id, serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    expect((await source.check(device, issuer, t.clock.now())).status).toBe('revoked');
  });

  it('crl: GETs the CRL once per source, and a new source sees a new revocation', async () => {
    const source = fetchedRevocation('crl', caFetch());
    expect(await source.check(device, issuer, t.clock.now())).toEqual({ status: 'good' });
    expect(await source.check(device, issuer, t.clock.now())).toEqual({ status: 'good' });
    expect(calls).toEqual([{ url: `${PUBLIC}/crl/${h.issuing.id}.crl`, method: 'GET', type: null }]);
    await t.ca.revoke({ caId: h.issuing.id, serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
    expect((await fetchedRevocation('crl', caFetch()).check(device, issuer, t.clock.now())).status).toBe('revoked');
  });

  it.each([
    ['an HTTP error', { status: 503 }, /HTTP 503/],
    ['an answer above the size limit', { bytes: 33 * 1024 * 1024 }, /more than/],
  ])('is unknown for %s', async (_name, failure, reason) => {
    for (const how of ['ocsp', 'crl'] as const) {
      const answer = await fetchedRevocation(how, caFetch(failure)).check(device, issuer, t.clock.now());
      expect(answer.status, how).toBe('unknown');
      expect(answer.reason, how).toMatch(reason);
    }
  });

  it('is unknown for a certificate without pointers, and asks nobody', async () => {
    const root = Certificate.fromDer(h.root.certificateDer!);
    for (const how of ['ocsp', 'crl'] as const) {
      expect((await fetchedRevocation(how, caFetch()).check(root, root, t.clock.now())).status).toBe('unknown');
    }
    expect(calls).toEqual([]);
  });
});
