import { createHmac, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationCache } from '../../../src/trust/cache/validation-cache.js';
import { MemoryChallengeStore } from '../../../src/trust/device/challenge/memory-challenge-store.js';
import type { VerifyDeviceOptions, VerifyDeviceResult } from '../../../src/trust/device/types.js';
import { verifyDevice, verifyDeviceSync } from '../../../src/trust/device/verify-device.js';
import { seededRandom } from '../../../src/ports/random.js';
import { KEYLINE_ATTRIBUTE, KEYLINE_POLICY } from '../../../src/policy/oids.js';
import { OID } from '../../../src/x509/oids.js';
import { build, X } from '../../policy/fixtures/build.js';
import {
  attest,
  AUDIENCE,
  b64url,
  CA_START,
  makeDevice,
  makeEcosystem,
  NOW,
  signRaw,
  type Ecosystem,
  type TestDevice,
} from './fixtures.js';

let eco: Ecosystem;
let other: Ecosystem;
let device: TestDevice;

beforeAll(async () => {
  eco = await makeEcosystem();
  other = await makeEcosystem('Rogue');
  device = makeDevice(eco, { serialNumber: 'SN-0001' });
});

const NOW_S = Math.floor(NOW.getTime() / 1000);

function options(token: string, extra: Partial<VerifyDeviceOptions> = {}): VerifyDeviceOptions {
  return { token, trustAnchors: eco.root, time: NOW, audience: AUDIENCE, ...extra };
}

async function codeOf(token: string, extra: Partial<VerifyDeviceOptions> = {}): Promise<string> {
  const result = await verifyDevice(options(token, extra));
  return result.ok ? 'ok' : result.code;
}

function expectOk(result: VerifyDeviceResult): asserts result is Extract<VerifyDeviceResult, { ok: true }> {
  if (!result.ok) throw new Error(`refused: ${result.code}: ${result.message}`);
}

describe('verifyDevice: a valid token', () => {
  it('gives the identity of a device of a real hierarchy', async () => {
    const result = await verifyDevice(options(attest(device, eco), { challenge: { nonce: 'n0nce-n0nce-n0nce' } }));
    expectOk(result);
    expect(result.deviceId).toBe(device.deviceId);
    expect(result.manufacturerId).toBe('acme');
    expect(result.productId).toBe('sensor-1');
    expect(result.serialNumber).toBe('SN-0001');
    expect(result.chain.map((c) => c.fingerprint)).toEqual(
      [device.certificate, eco.issuing, eco.manufacturer, eco.root].map((c) => c.fingerprint),
    );
  });

  it('gives the same verdicts with a cache, and the cache is used', async () => {
    const cache = new ValidationCache();
    const good = attest(device, eco);
    const forged = attest(device, eco, { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
    const expired = attest(device, eco, { iat: NOW_S - 3600 });
    for (let round = 0; round < 3; round++) {
      for (const token of [good, forged, expired]) {
        const without = verifyDeviceSync(options(token));
        const withCache = verifyDeviceSync(options(token, { cache }));
        expect(JSON.stringify({ ...withCache, chain: undefined })).toBe(
          JSON.stringify({ ...without, chain: undefined }),
        );
      }
    }
    expect(cache.stats.hits).toBeGreaterThan(0);
    expect(cache.stats.certificates).toBe(2); // the issuing and manufacturer CAs, not the leaf
    const another = makeDevice(eco);
    expect((await verifyDevice(options(attest(another, eco), { cache }))).ok).toBe(true);
  });

  it('gives the same profile verdict for a non-conforming device certificate with and without a cache', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
    const issuingSpki = eco.issuingKey.publicKeySpki;
    const id = '0102030405060708';
    const issuerPair = {
      privateKey: eco.issuingKey.privateKey,
      publicKey: eco.issuingKey.publicKey,
      spki: issuingSpki,
      point: issuingSpki.subarray(issuingSpki.length - 65),
      curve: 'P-256' as const,
    };
    // A device certificate RFC 5280 accepts but the device profile does not: no subjectAltName.
    const leaf = build({
      serial: Uint8Array.of(0x51, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
      issuer: eco.issuing.subject.rdns.map((rdn) => rdn.map((a) => [a.type, a.value] as const)),
      subject: [
        [[KEYLINE_ATTRIBUTE.manufacturerId, 'acme']],
        [[KEYLINE_ATTRIBUTE.productId, 'sensor-1']],
        [[OID.serialNumber, id]],
        [[OID.commonName, id]],
      ],
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
      spki,
      extensions: [X.ku(['digitalSignature']), X.akiOf(issuerPair), X.policies([KEYLINE_POLICY.deviceIdentityV1])],
      signer: issuerPair,
    });
    const odd = { certificate: leaf, key: privateKey, deviceId: id };
    const token = attest(odd, eco);
    const cache = new ValidationCache();
    expect(verifyDeviceSync(options(attest(device, eco), { cache })).ok).toBe(true); // the CA part is remembered
    const fresh = verifyDeviceSync(options(token));
    const cached = verifyDeviceSync(options(token, { cache }));
    expect(!fresh.ok && fresh.code).toBe('ERR_PATH_PROFILE_VIOLATION');
    expect(cached).toEqual(fresh);
    expect(verifyDeviceSync(options(token, { cache }))).toEqual(fresh);
  });

  it('accepts iat at the skew bounds and a custom skew', async () => {
    expect(await codeOf(attest(device, eco, { iat: NOW_S - 300 }))).toBe('ok');
    expect(await codeOf(attest(device, eco, { iat: NOW_S + 300 }))).toBe('ok');
    expect(await codeOf(attest(device, eco, { iat: NOW_S - 301 }))).toBe('ERR_ATTEST_IAT_SKEW');
    expect(await codeOf(attest(device, eco, { iat: NOW_S + 301 }))).toBe('ERR_ATTEST_IAT_SKEW');
    expect(await codeOf(attest(device, eco, { iat: NOW_S - 3000 }), { maxSkewSeconds: 3600 })).toBe('ok');
  });

  it('does not check the audience or nonce when not asked', async () => {
    const token = attest(device, eco, { audience: 'elsewhere' });
    const result = await verifyDevice({ token, trustAnchors: eco.root, time: NOW });
    expect(result.ok).toBe(true);
  });

  it('verifies a bare chain (mutual TLS), in any order and with the root bundled', async () => {
    const result = await verifyDevice({
      chain: [device.certificate.der, eco.root.der, eco.manufacturer.der, eco.issuing.der],
      trustAnchors: eco.root,
      time: NOW,
    });
    expectOk(result);
    expect(result.deviceId).toBe(device.deviceId);
  });

  it('decodes the CA certificates of a bare chain through the cache', async () => {
    const cache = new ValidationCache();
    for (const d of [device, makeDevice(eco)]) {
      const result = await verifyDevice({
        chain: [d.certificate.der, eco.issuing.der, eco.manufacturer.der],
        trustAnchors: eco.root,
        time: NOW,
        cache,
      });
      expect(result.ok && result.deviceId).toBe(d.deviceId);
    }
    expect(cache.stats.certificates).toBe(2);
    // The second device runs only its own steps under the remembered path above its issuing CA.
    expect(cache.pathPrefixes?.size).toBe(1);
  });

  it('throws a TypeError for misuse', async () => {
    const token = attest(device, eco);
    await expect(verifyDevice({ trustAnchors: eco.root, time: NOW })).rejects.toThrow(TypeError);
    await expect(verifyDevice({ token, chain: [], trustAnchors: eco.root, time: NOW })).rejects.toThrow(TypeError);
    await expect(verifyDevice({ token, trustAnchors: eco.root, time: 'now' as unknown as Date })).rejects.toThrow(
      TypeError,
    );
    await expect(
      verifyDevice({ chain: device.certificate, trustAnchors: eco.root, time: NOW, challenge: { nonce: 'x' } }),
    ).rejects.toThrow(TypeError);
  });
});

describe('verifyDevice: the algorithm (issue 5 section 4)', () => {
  it('refuses alg none', async () => {
    const header = b64url(JSON.stringify({ alg: 'none', typ: 'keyline-attestation+jwt', x5c: [] }));
    const payload = b64url(
      JSON.stringify({ iss: device.deviceId, sub: device.deviceId, aud: AUDIENCE, nonce: 'n', iat: NOW_S }),
    );
    expect(await codeOf(`${header}.${payload}.`)).toBe('ERR_ATTEST_ALG_NONE');
  });

  it('refuses HS256 (even keyed with the device certificate)', async () => {
    const header = b64url(
      JSON.stringify({
        alg: 'HS256',
        typ: 'keyline-attestation+jwt',
        x5c: [Buffer.from(device.certificate.der).toString('base64')],
      }),
    );
    const payload = b64url(
      JSON.stringify({ iss: device.deviceId, sub: device.deviceId, aud: AUDIENCE, nonce: 'n', iat: NOW_S }),
    );
    const mac = createHmac('sha256', Buffer.from(device.certificate.spki)).update(`${header}.${payload}`).digest();
    expect(await codeOf(`${header}.${payload}.${mac.toString('base64url')}`)).toBe('ERR_ATTEST_ALG_SYMMETRIC');
  });

  it('refuses any algorithm but the leaf key’s', async () => {
    for (const alg of ['ES384', 'ES512', 'RS256', 'PS256', 'EdDSA', 'ES256K', 'es256']) {
      expect(await codeOf(attest(device, eco, { header: { alg } }))).toBe('ERR_ATTEST_ALG_MISMATCH');
    }
  });

  it('refuses a token signed by another key', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(await codeOf(attest(device, eco, { key: stranger }))).toBe('ERR_ATTEST_SIGNATURE_INVALID');
    // Another device's key, with this device's chain.
    expect(await codeOf(attest(device, eco, { key: makeDevice(eco).key }))).toBe('ERR_ATTEST_SIGNATURE_INVALID');
  });
});

describe('verifyDevice: x5c and the chain (issue 5 section 4)', () => {
  it('refuses a missing or empty x5c', async () => {
    expect(await codeOf(attest(device, eco, { x5c: null }))).toBe('ERR_ATTEST_X5C_MISSING');
    expect(await codeOf(attest(device, eco, { x5c: [] }))).toBe('ERR_ATTEST_X5C_EMPTY');
  });

  it('refuses extra certificates: the root, a duplicate, a stranger', async () => {
    const { issuing, manufacturer, root } = eco;
    const leaf = device.certificate;
    expect(await codeOf(attest(device, eco, { x5c: [leaf, issuing, manufacturer, root] }))).toBe(
      'ERR_ATTEST_X5C_EXTRA',
    );
    expect(await codeOf(attest(device, eco, { x5c: [leaf, issuing, manufacturer, manufacturer] }))).toBe(
      'ERR_ATTEST_X5C_EXTRA',
    );
    expect(await codeOf(attest(device, eco, { x5c: [leaf, issuing, manufacturer, other.issuing] }))).toBe(
      'ERR_ATTEST_X5C_EXTRA',
    );
  });

  it('refuses x5c out of path order', async () => {
    const x5c = [device.certificate, eco.manufacturer, eco.issuing];
    expect(await codeOf(attest(device, eco, { x5c }))).toBe('ERR_ATTEST_X5C_ORDER');
  });

  it('refuses an incomplete x5c as a chain without a path to the root', async () => {
    expect(await codeOf(attest(device, eco, { x5c: [device.certificate, eco.issuing] }))).toBe(
      'ERR_ATTEST_UNTRUSTED_CHAIN',
    );
  });

  it('refuses x5c entries that are not base64 DER certificates', async () => {
    const good = Buffer.from(device.certificate.der).toString('base64');
    for (const bad of [good + '=', good.slice(0, -4), good.replace(/\+/g, '-').replace(/\//g, '_') + '!', 'AAAA', '']) {
      expect(await codeOf(attest(device, eco, { x5c: [bad] }))).toBe('ERR_ATTEST_X5C_MALFORMED');
    }
    expect(await codeOf(attest(device, eco, { header: { x5c: 'MII' } }))).toBe('ERR_ATTEST_X5C_MALFORMED');
    expect(await codeOf(attest(device, eco, { header: { x5c: [42] } }))).toBe('ERR_ATTEST_X5C_MALFORMED');
  });

  it('refuses a chain to another root', async () => {
    const rogue = makeDevice(other);
    expect(await codeOf(attest(rogue, other))).toBe('ERR_ATTEST_UNTRUSTED_CHAIN');
    expect(await codeOf(attest(rogue, other), { trustAnchors: other.root })).toBe('ok');
  });

  it('refuses an expired and a not-yet-valid device certificate', async () => {
    const expired = makeDevice(eco, { notBefore: CA_START, notAfter: new Date('2026-06-01T00:00:00Z') });
    expect(await codeOf(attest(expired, eco))).toBe('ERR_PATH_EXPIRED');
    const later = makeDevice(eco, { notBefore: new Date('2027-01-01T00:00:00Z') });
    expect(await codeOf(attest(later, eco))).toBe('ERR_PATH_NOT_YET_VALID');
  });

  it('refuses a device certificate whose signature was tampered with', async () => {
    const der = Uint8Array.from(device.certificate.der);
    der[der.length - 3]! ^= 0x01;
    const token = attest(device, eco, {
      x5c: [
        Buffer.from(der).toString('base64'),
        ...[eco.issuing, eco.manufacturer].map((c) => Buffer.from(c.der).toString('base64')),
      ],
    });
    const code = await codeOf(token);
    expect(['ERR_PATH_BAD_SIGNATURE', 'ERR_ATTEST_X5C_MALFORMED']).toContain(code);
  });
});

describe('verifyDevice: claims and challenges (issue 5 section 4)', () => {
  it('refuses a wrong audience', async () => {
    expect(await codeOf(attest(device, eco, { audience: 'https://other.example' }))).toBe(
      'ERR_ATTEST_AUDIENCE_MISMATCH',
    );
  });

  it('refuses a token naming another device', async () => {
    const payload = { iss: '0102030405060708', sub: '0102030405060708' };
    expect(await codeOf(attest(device, eco, { payload }))).toBe('ERR_ATTEST_DEVICE_ID_MISMATCH');
  });

  it('refuses a nonce other than the expected one', async () => {
    expect(await codeOf(attest(device, eco, { nonce: 'abc' }), { challenge: { nonce: 'abd' } })).toBe(
      'ERR_ATTEST_NONCE_MISMATCH',
    );
  });

  it('accepts an issued nonce once, and refuses a replayed, unknown or expired one', async () => {
    const store = new MemoryChallengeStore({ random: seededRandom(5) });
    const { nonce, expiresAt } = store.issue(NOW);
    const token = attest(device, eco, { nonce });
    expect(await codeOf(token, { challenge: { store } })).toBe('ok');
    expect(await codeOf(token, { challenge: { store } })).toBe('ERR_ATTEST_NONCE_REPLAYED');
    expect(await codeOf(attest(device, eco, { nonce: 'never-issued' }), { challenge: { store } })).toBe(
      'ERR_ATTEST_NONCE_UNKNOWN',
    );
    const late = store.issue(NOW);
    const after = new Date(expiresAt.getTime() + 1000);
    const lateToken = attest(device, eco, { nonce: late.nonce, iat: Math.floor(after.getTime() / 1000) });
    expect(await codeOf(lateToken, { challenge: { store }, time: after })).toBe('ERR_ATTEST_NONCE_EXPIRED');
  });

  it('does not use up a nonce when the token is refused', async () => {
    const store = new MemoryChallengeStore({ random: seededRandom(6) });
    const { nonce } = store.issue(NOW);
    expect(await codeOf(attest(device, eco, { nonce, audience: 'x' }), { challenge: { store } })).toBe(
      'ERR_ATTEST_AUDIENCE_MISMATCH',
    );
    expect(await codeOf(attest(device, eco, { nonce }), { challenge: { store } })).toBe('ok');
  });
});

describe('verifyDevice: malformed tokens (issue 5 section 4)', () => {
  const valid = (): string => attest(device, eco);

  it('refuses an oversized token', async () => {
    const padding = 'x'.repeat(17 * 1024);
    expect(await codeOf(attest(device, eco, { payload: { padding } }))).toBe('ERR_ATTEST_TOKEN_TOO_LARGE');
  });

  it('refuses a wrong number of segments or empty parts', async () => {
    const [h, p, s] = valid().split('.');
    for (const token of [`${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}`, '', `.${p}.${s}`, `${h}..${s}`]) {
      expect(await codeOf(token)).toBe('ERR_ATTEST_MALFORMED');
    }
  });

  it('refuses bad base64url', async () => {
    const [h, p, s] = valid().split('.');
    for (const token of [
      `${h}=.${p}.${s}`,
      `${h}.${p}+.${s}`,
      `${h}.${p}.${s}=`,
      `${h} .${p}.${s}`,
      `${h}.${p}.${s!.slice(0, -1)}B`,
    ]) {
      expect(await codeOf(token)).toBe('ERR_ATTEST_BAD_BASE64URL');
    }
  });

  it('refuses a header or payload that is not a JSON object', async () => {
    const x5c = [device.certificate, eco.issuing, eco.manufacturer].map((c) => Buffer.from(c.der).toString('base64'));
    const header = JSON.stringify({ alg: 'ES256', typ: 'keyline-attestation+jwt', x5c });
    for (const [h, p] of [
      ['{"alg":', '{}'],
      [header, '[1,2]'],
      [header, 'null'],
      ['"text"', '{}'],
      [header, '{"a":1}x'],
      ['\ufeff' + header, '{}'],
    ] as const) {
      expect(await codeOf(signRaw(h, p, device.key))).toBe('ERR_ATTEST_BAD_JSON');
    }
    const notUtf8 = `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${b64url('{}')}.AAAA`;
    expect(await codeOf(notUtf8)).toBe('ERR_ATTEST_BAD_JSON');
  });

  it('refuses duplicate members, including escaped look-alikes', async () => {
    const x5c = [device.certificate, eco.issuing, eco.manufacturer].map((c) => Buffer.from(c.der).toString('base64'));
    const payload = JSON.stringify({
      iss: device.deviceId,
      sub: device.deviceId,
      aud: AUDIENCE,
      nonce: 'n',
      iat: NOW_S,
    });
    const dupHeader = `{"alg":"none","typ":"keyline-attestation+jwt","x5c":${JSON.stringify(x5c)},"alg":"ES256"}`;
    expect(await codeOf(signRaw(dupHeader, payload, device.key))).toBe('ERR_ATTEST_DUPLICATE_MEMBER');
    const header = JSON.stringify({ alg: 'ES256', typ: 'keyline-attestation+jwt', x5c });
    const dupPayload = payload.replace('{', '{"\\u0061ud":"https://evil.example",');
    expect(await codeOf(signRaw(header, dupPayload, device.key))).toBe('ERR_ATTEST_DUPLICATE_MEMBER');
  });

  it('refuses a bad signature length', async () => {
    const [h, p, s] = valid().split('.');
    const sig = Buffer.from(s!, 'base64url');
    for (const bad of [sig.subarray(0, 63), Buffer.concat([sig, Buffer.of(0)]), Buffer.alloc(72, 1)]) {
      expect(await codeOf(`${h}.${p}.${bad.toString('base64url')}`)).toBe('ERR_ATTEST_BAD_SIGNATURE_LENGTH');
    }
  });

  it('refuses a header with another typ or an unknown parameter', async () => {
    expect(await codeOf(attest(device, eco, { header: { typ: 'JWT' } }))).toBe('ERR_ATTEST_BAD_HEADER');
    for (const extra of [{ kid: 'k' }, { crit: ['exp'] }, { jwk: {} }, { x5u: 'http://x' }]) {
      expect(await codeOf(attest(device, eco, { header: extra }))).toBe('ERR_ATTEST_BAD_HEADER');
    }
  });

  it('refuses missing or mistyped claims', async () => {
    for (const payload of [
      { nonce: undefined },
      { aud: ['a'] },
      { iat: '1' },
      { iat: 1.5 },
      { iss: '' },
      { sub: 'someone-else' },
    ]) {
      expect(await codeOf(attest(device, eco, { payload }))).toBe('ERR_ATTEST_BAD_CLAIMS');
    }
  });
});
