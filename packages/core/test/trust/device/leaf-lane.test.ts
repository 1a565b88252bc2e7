import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deviceTemplateShapes } from '../../../src/issuance/template/index.js';
import { ValidationCache } from '../../../src/trust/cache/validation-cache.js';
import type { VerifyDeviceOptions, VerifyDeviceResult } from '../../../src/trust/device/types.js';
import { verifyDeviceSync } from '../../../src/trust/device/verify-device.js';
import { Certificate } from '../../../src/x509/certificate/certificate.js';
import { attest, AUDIENCE, makeDevice, makeEcosystem, NOW, type Ecosystem, type TestDevice } from './fixtures.js';

let eco: Ecosystem;
let other: Ecosystem;
let constrained: Ecosystem;

beforeAll(async () => {
  eco = await makeEcosystem();
  other = await makeEcosystem('Other');
  constrained = await makeEcosystem('Constrained', {
    issuingNameConstraints: { excluded: [{ base: { type: 'dns', value: 'example.com' }, minimum: 0 }] },
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A cache with the lane, warmed by one device of `ecosystem` (the exemplar its shape is learnt from). */
function laneCache(ecosystem: Ecosystem = eco): ValidationCache {
  const cache = new ValidationCache({ deviceShapes: deviceTemplateShapes() });
  for (let i = 0; i < 2; i++) {
    const device = makeDevice(ecosystem);
    const result = verifyDeviceSync(options(attest(device, ecosystem), cache, ecosystem));
    expect(result.ok).toBe(true);
  }
  return cache;
}

function options(token: string, cache: ValidationCache | undefined, ecosystem: Ecosystem = eco): VerifyDeviceOptions {
  return {
    token,
    trustAnchors: ecosystem.root,
    time: NOW,
    audience: AUDIENCE,
    challenge: { nonce: 'n0nce-n0nce-n0nce' },
    ...(cache === undefined ? {} : { cache }),
  };
}

/** What a verdict says, certificates by their DER. */
function summary(result: VerifyDeviceResult): unknown {
  if (!result.ok) return { ok: false, code: result.code };
  const { chain, ...names } = result;
  return { ...names, chain: chain.map((c) => Buffer.from(c.der).toString('base64')) };
}

/** The verdicts of the lane and of the full check (a cache without the lane, warmed alike) for each token. */
function compare(tokens: readonly string[], ecosystem: Ecosystem = eco, time = NOW): number {
  const lane = laneCache(ecosystem);
  const full = new ValidationCache();
  const laneUses = vi.spyOn(Certificate, 'withKnownFields');
  for (const token of tokens) {
    const fast = verifyDeviceSync({ ...options(token, lane, ecosystem), time });
    const reference = verifyDeviceSync({ ...options(token, full, ecosystem), time });
    const alone = verifyDeviceSync({ ...options(token, undefined, ecosystem), time });
    expect(summary(fast)).toEqual(summary(reference));
    expect(summary(fast)).toEqual(summary(alone));
  }
  return laneUses.mock.calls.length;
}

describe("verifyDevice's device-shape lane", () => {
  it('checks new devices of a known shape without decoding them, with the full check’s answers', () => {
    const devices = Array.from({ length: 12 }, () => makeDevice(eco, { serialNumber: 'LABEL-0042' }));
    const uses = compare(devices.map((d) => attest(d, eco)));
    expect(uses).toBe(12);
  });

  it('hands out a leaf that reads as the strictly decoded certificate', () => {
    const cache = laneCache();
    const device = makeDevice(eco);
    const token = attest(device, eco);
    const result = verifyDeviceSync(options(token, cache));
    const reference = verifyDeviceSync(options(token, new ValidationCache()));
    expect(result.ok && reference.ok).toBe(true);
    if (!result.ok || !reference.ok) return;
    const leaf = result.chain[0]!;
    const decoded = reference.chain[0]!;
    expect(leaf).not.toBe(decoded);
    expect(leaf.der).toEqual(decoded.der);
    for (const field of ['version', 'serialHex', 'issuer', 'subject', 'extensions', 'notBefore', 'notAfter'] as const) {
      expect(leaf[field]).toEqual(decoded[field]);
    }
    for (const field of ['tbs', 'serialNumber', 'spki', 'publicKey', 'signatureValue'] as const) {
      expect(Buffer.from(leaf[field])).toEqual(Buffer.from(decoded[field]));
    }
    expect(leaf.signatureAlgorithm.der).toEqual(decoded.signatureAlgorithm.der);
    expect(leaf.publicKeyAlgorithm.der).toEqual(decoded.publicKeyAlgorithm.der);
    expect(leaf.fingerprint).toBe(decoded.fingerprint);
  });

  it('leaves every refusal to the full check: validity, certificate and token signatures, claims, x5c', () => {
    const expired = makeDevice(eco, { notAfter: new Date('2026-06-01T00:00:00Z') });
    const early = makeDevice(eco, { notBefore: new Date('2027-01-01T00:00:00Z') });
    const good = makeDevice(eco);
    const forgedDer = Buffer.from(good.certificate.der);
    forgedDer[forgedDer.length - 3]! ^= 0x01; // in the signature: the shape still matches
    const forged: TestDevice = { ...good, certificate: Certificate.fromDer(Uint8Array.from(forgedDer)) };
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const tokens = [
      attest(expired, eco),
      attest(early, eco),
      attest(forged, eco),
      attest(good, eco, { key: stranger }),
      attest(makeDevice(eco), eco, { nonce: 'another nonce' }),
      attest(makeDevice(eco), eco, { audience: 'https://elsewhere.example' }),
      attest(makeDevice(eco), eco, { payload: { iss: 'someone-else', sub: 'someone-else' } }),
      attest(makeDevice(eco), eco, { x5c: [makeDevice(eco).certificate, eco.manufacturer, eco.issuing] }),
      attest(makeDevice(eco), eco, { x5c: [makeDevice(eco).certificate, eco.issuing, eco.manufacturer, eco.root] }),
      attest(makeDevice(eco), eco, { x5c: [makeDevice(eco).certificate, eco.issuing] }),
      attest(makeDevice(other), other),
    ];
    const refused = tokens.map((token) => verifyDeviceSync(options(token, laneCache())));
    expect(refused.map((r) => (r.ok ? 'ok' : r.code))).toEqual([
      'ERR_PATH_EXPIRED',
      'ERR_PATH_NOT_YET_VALID',
      'ERR_PATH_BAD_SIGNATURE',
      'ERR_ATTEST_SIGNATURE_INVALID',
      'ERR_ATTEST_NONCE_MISMATCH',
      'ERR_ATTEST_AUDIENCE_MISMATCH',
      'ERR_ATTEST_DEVICE_ID_MISMATCH',
      'ERR_ATTEST_X5C_ORDER',
      'ERR_ATTEST_X5C_EXTRA',
      'ERR_ATTEST_UNTRUSTED_CHAIN',
      'ERR_ATTEST_UNTRUSTED_CHAIN',
    ]);
    compare(tokens);
  });

  it('answers as the full check at times the CAs are not valid, and lets the full check answer them', () => {
    const tokens = [attest(makeDevice(eco), eco), attest(makeDevice(eco), eco)];
    expect(compare(tokens, eco, new Date('2045-01-01T00:00:00Z'))).toBe(0);
    expect(compare(tokens, eco, new Date('2025-01-01T00:00:00Z'))).toBe(0);
  });

  it('stays off under name constraints, where the device names would need checking', () => {
    const tokens = Array.from({ length: 3 }, () => attest(makeDevice(constrained), constrained));
    expect(compare(tokens, constrained)).toBe(0);
    expect(verifyDeviceSync(options(tokens[0]!, undefined, constrained)).ok).toBe(true);
  });

  it('sends a device met again through the full check once, then remembers it', () => {
    const cache = laneCache();
    const laneUses = vi.spyOn(Certificate, 'withKnownFields');
    const device = makeDevice(eco);
    const token = attest(device, eco);
    for (let i = 0; i < 3; i++) expect(verifyDeviceSync(options(token, cache)).ok).toBe(true);
    expect(laneUses).toHaveBeenCalledTimes(1);
  });

  it('does not reuse a path lookup once the anchors given change, even in the same array', () => {
    const cache = new ValidationCache({ deviceShapes: deviceTemplateShapes() });
    const anchors = [eco.root];
    const check = (token: string): VerifyDeviceResult =>
      verifyDeviceSync({ ...options(token, cache), trustAnchors: anchors });
    for (let i = 0; i < 3; i++) expect(check(attest(makeDevice(eco), eco)).ok).toBe(true);
    anchors[0] = other.root;
    const refused = check(attest(makeDevice(eco), eco));
    expect(refused.ok ? 'ok' : refused.code).toBe('ERR_ATTEST_UNTRUSTED_CHAIN');
    anchors[0] = eco.root;
    expect(check(attest(makeDevice(eco), eco)).ok).toBe(true);
  });

  it('answers as the full check for any one octet of the device certificate changed (property)', () => {
    const lane = laneCache();
    const full = new ValidationCache();
    const device = makeDevice(eco);
    const der = device.certificate.der;
    fc.assert(
      fc.property(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        fc.pre(der[at] !== value);
        const changed = Uint8Array.from(der);
        changed[at] = value;
        const x5c = [
          Buffer.from(changed).toString('base64'),
          ...[eco.issuing, eco.manufacturer].map((c) => Buffer.from(c.der).toString('base64')),
        ];
        const token = attest(device, eco, { x5c });
        const fast = verifyDeviceSync(options(token, lane));
        expect(summary(fast)).toEqual(summary(verifyDeviceSync(options(token, full))));
        expect(fast.ok).toBe(false);
      }),
      { numRuns: 300, seed: 61 },
    );
  });
});
