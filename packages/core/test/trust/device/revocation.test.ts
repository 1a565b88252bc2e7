import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { keyIdentifierFromSpki } from '../../../src/crypto/hash.js';
import { seededRandom } from '../../../src/ports/random.js';
import { crlRevocationSource } from '../../../src/trust/device/revocation/crl-source.js';
import { ocspRevocationSource, type OcspFetcher } from '../../../src/trust/device/revocation/ocsp-source.js';
import type { RevocationSource } from '../../../src/trust/device/revocation/revocation-source.js';
import { verifyDevice } from '../../../src/trust/device/verify-device.js';
import { buildCrl } from '../../../src/x509/crl/build.js';
import { buildOcspResponse, buildOcspErrorResponse } from '../../../src/x509/ocsp/build-response.js';
import { OcspRequest } from '../../../src/x509/ocsp/ocsp-request.js';
import type { OcspCertStatus } from '../../../src/x509/ocsp/single-response.js';
import { OID } from '../../../src/x509/oids.js';
import { certDer, X, type KeyPair } from '../../policy/fixtures/build.js';
import { attest, AUDIENCE, makeDevice, makeEcosystem, NOW, type Ecosystem, type TestDevice } from './fixtures.js';

let eco: Ecosystem;
let good: TestDevice;
let revoked: TestDevice;

beforeAll(async () => {
  eco = await makeEcosystem();
  good = makeDevice(eco);
  revoked = makeDevice(eco);
});

const HOUR = 3600_000;

function keyPairOf(signer: ReturnType<typeof generateSigner>): KeyPair {
  const spki = signer.publicKeySpki;
  return {
    privateKey: signer.privateKey,
    publicKey: signer.publicKey,
    spki,
    point: spki.subarray(spki.length - 65),
    curve: 'P-256',
  };
}

async function codeWith(device: TestDevice, revocation: RevocationSource, scope?: 'leaf' | 'chain'): Promise<string> {
  const result = await verifyDevice({
    token: attest(device, eco),
    trustAnchors: eco.root,
    time: NOW,
    audience: AUDIENCE,
    revocation,
    ...(scope === undefined ? {} : { revocationScope: scope }),
  });
  return result.ok ? 'ok' : result.code;
}

describe('revocation by CRL', () => {
  async function crl(entries: TestDevice[], thisUpdate = new Date(NOW.getTime() - HOUR)): Promise<Uint8Array> {
    return buildCrl({
      issuer: eco.issuing.subject.der,
      thisUpdate,
      nextUpdate: new Date(thisUpdate.getTime() + 24 * HOUR),
      entries: entries.map((d) => ({
        serial: d.certificate.serialHex,
        revocationDate: thisUpdate,
        reason: 'keyCompromise',
      })),
      crlNumber: 7n,
      signer: eco.issuingKey,
    });
  }

  it('refuses a revoked device and accepts the others', async () => {
    const source = crlRevocationSource(await crl([revoked]));
    expect(await codeWith(revoked, source)).toBe('ERR_ATTEST_REVOKED');
    expect(await codeWith(good, source)).toBe('ok');
  });

  it('answers unknown without a CRL of the issuer, or with an expired or forged one', async () => {
    expect(await codeWith(good, crlRevocationSource([]))).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    const old = await crl([], new Date(NOW.getTime() - 48 * HOUR));
    expect(await codeWith(good, crlRevocationSource(old))).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    const forged = await buildCrl({
      issuer: eco.issuing.subject.der,
      thisUpdate: new Date(NOW.getTime() - HOUR),
      nextUpdate: new Date(NOW.getTime() + HOUR),
      entries: [],
      crlNumber: 1n,
      signer: generateSigner('P-256'),
    });
    expect(await codeWith(revoked, crlRevocationSource(forged))).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
  });

  it('judges a CRL issued a little after the verification time as of its thisUpdate, within the skew', async () => {
    // A verifier fixes its time, then fetches the CRL, which the CA may re-sign meanwhile.
    const ahead = await crl([revoked], new Date(NOW.getTime() + 2_000));
    expect(await codeWith(revoked, crlRevocationSource(ahead))).toBe('ERR_ATTEST_REVOKED');
    expect(await codeWith(good, crlRevocationSource(ahead))).toBe('ok');
    const strict = crlRevocationSource(ahead, { clockSkewSeconds: 0 });
    expect(await codeWith(revoked, strict)).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    const future = await crl([revoked], new Date(NOW.getTime() + 301_000));
    expect(await codeWith(revoked, crlRevocationSource(future))).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    expect(() => crlRevocationSource(ahead, { clockSkewSeconds: -1 })).toThrow(TypeError);
  });

  it("with scope 'chain' also asks about the CA certificates", async () => {
    const source = crlRevocationSource(await crl([]));
    expect(await codeWith(good, source, 'leaf')).toBe('ok');
    // No CRL of the manufacturer CA covers the issuing CA.
    expect(await codeWith(good, source, 'chain')).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
  });

  it('treats a source that throws as unknown', async () => {
    const failing: RevocationSource = {
      check: () => Promise.reject(new Error('network down')),
    };
    expect(await codeWith(good, failing)).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
  });
});

describe('revocation by OCSP', () => {
  interface Responder {
    status?: (serialHex: string) => OcspCertStatus;
    signer?: ReturnType<typeof generateSigner>;
    echoNonce?: boolean;
    thisUpdate?: Date;
    nextUpdate?: Date | null;
    certs?: Uint8Array[];
    byName?: Uint8Array;
    error?: boolean;
  }

  function responder(options: Responder = {}): OcspFetcher {
    return async (request) => {
      if (options.error === true) return buildOcspErrorResponse('tryLater');
      const parsed = OcspRequest.fromDer(request);
      const one = parsed.requests[0]!;
      const thisUpdate = options.thisUpdate ?? new Date(NOW.getTime() - HOUR);
      const next = options.nextUpdate === undefined ? new Date(thisUpdate.getTime() + 24 * HOUR) : options.nextUpdate;
      const signer = options.signer ?? eco.issuingKey;
      return buildOcspResponse({
        responder:
          options.byName !== undefined
            ? { byName: options.byName }
            : { byKeyHash: keyIdentifierFromSpki(signer.publicKeySpki) },
        producedAt: thisUpdate,
        responses: [
          {
            certId: one.certId,
            certStatus: options.status?.(one.certId.serialHex) ?? { status: 'good' },
            thisUpdate,
            ...(next === null ? {} : { nextUpdate: next }),
          },
        ],
        ...(options.echoNonce === false || parsed.nonce === undefined ? {} : { nonce: parsed.nonce }),
        signer,
        ...(options.certs === undefined ? {} : { certs: options.certs }),
      });
    };
  }

  const random = seededRandom(3);
  const revokedStatus = (serialHex: string): OcspCertStatus =>
    serialHex === revoked.certificate.serialHex
      ? { status: 'revoked', revocationTime: new Date(NOW.getTime() - HOUR), reason: 'keyCompromise' }
      : { status: 'good' };

  it('accepts a good answer signed by the issuing CA, and refuses a revoked device', async () => {
    const source = ocspRevocationSource({ fetch: responder({ status: revokedStatus }), random });
    expect(await codeWith(good, source)).toBe('ok');
    expect(await codeWith(revoked, source)).toBe('ERR_ATTEST_REVOKED');
  });

  it('accepts a responder named by name', async () => {
    const source = ocspRevocationSource({ fetch: responder({ byName: eco.issuing.subject.der }), random });
    expect(await codeWith(good, source)).toBe('ok');
  });

  it('refuses answers it cannot trust: wrong signer, no nonce echo, stale, unknown, an error status', async () => {
    const cases: [Responder, RegExp][] = [
      [{ signer: generateSigner('P-256') }, /signed neither by the issuer/],
      [{ echoNonce: false }, /nonce/],
      [{ thisUpdate: new Date(NOW.getTime() - 72 * HOUR) }, /stale/],
      [{ thisUpdate: new Date(NOW.getTime() + 2 * HOUR) }, /future/],
      [{ thisUpdate: new Date(NOW.getTime() - 2 * HOUR), nextUpdate: null }, /too old/],
      [{ status: () => ({ status: 'unknown' }) }, /does not know/],
      [{ error: true }, /tryLater/],
    ];
    for (const [c, reason] of cases) {
      const result = await verifyDevice({
        token: attest(good, eco),
        trustAnchors: eco.root,
        time: NOW,
        revocation: ocspRevocationSource({ fetch: responder(c), random }),
      });
      expect(!result.ok && result.code).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
      expect(!result.ok && result.message).toMatch(reason);
    }
    const garbage = ocspRevocationSource({ fetch: async () => Uint8Array.of(0x30, 0x00) });
    expect(await codeWith(good, garbage)).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    const unreachable = ocspRevocationSource({ fetch: () => Promise.reject(new Error('ECONNREFUSED')) });
    expect(await codeWith(good, unreachable)).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
  });

  it('accepts a delegated responder the issuing CA certified for OCSP signing, and no other', async () => {
    const responderKey = generateSigner('P-256');
    const delegate = (withEku: boolean, signedBy = eco.issuingKey): Uint8Array =>
      certDer({
        serial: Uint8Array.of(0x42, 1, 2, 3, 4, 5, 6, 7, 8),
        issuer: eco.issuing.subject.rdns.map((rdn) => rdn.map((a) => [a.type, a.value] as const)),
        subject: [[[OID.commonName, 'Acme OCSP Responder']]],
        notBefore: new Date(NOW.getTime() - 24 * HOUR),
        notAfter: new Date(NOW.getTime() + 24 * HOUR),
        spki: responderKey.publicKeySpki,
        extensions: [X.bc(false), X.ku(['digitalSignature']), ...(withEku ? [X.eku([OID.ocspSigning])] : [])],
        signer: keyPairOf(signedBy),
      });
    const source = (certificate: Uint8Array): RevocationSource =>
      ocspRevocationSource({ fetch: responder({ signer: responderKey, certs: [certificate] }), random });
    expect(await codeWith(good, source(delegate(true)))).toBe('ok');
    expect(await codeWith(good, source(delegate(false)))).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
    expect(await codeWith(good, source(delegate(true, generateSigner('P-256'))))).toBe('ERR_ATTEST_REVOCATION_UNKNOWN');
  });

  it('does not require a nonce when none is sent', async () => {
    const source = ocspRevocationSource({ fetch: responder({ echoNonce: false }) });
    expect(await codeWith(good, source)).toBe('ok');
  });
});
