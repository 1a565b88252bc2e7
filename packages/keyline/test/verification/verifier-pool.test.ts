import { generateKeyPairSync } from 'node:crypto';
import {
  MemoryChallengeStore,
  isKeylineError,
  systemRandom,
  verifyDevice,
  type RevocationSource,
  type VerifyDeviceOptions,
  type VerifyDeviceResult,
} from '@keyline/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attest,
  AUDIENCE,
  makeDevice,
  makeEcosystem,
  NOW,
  type Ecosystem,
  type TestDevice,
} from '../../../core/test/trust/device/fixtures.js';
import { DeviceVerifierPool, type PooledVerifyOptions } from '../../src/verification/index.js';

// The pool's workers run the built packages (dist): `npm run build` first, as `npm test` does.
let eco: Ecosystem;
let rogue: Ecosystem;
let device: TestDevice;
let pool: DeviceVerifierPool;

beforeAll(async () => {
  eco = await makeEcosystem();
  rogue = await makeEcosystem('Rogue');
  device = makeDevice(eco, { serialNumber: 'SN-POOL-1' });
  pool = new DeviceVerifierPool({ trustAnchors: eco.root.der, threads: 2 });
});

afterAll(async () => {
  await pool?.close();
});

function direct(options: PooledVerifyOptions): Promise<VerifyDeviceResult> {
  return verifyDevice({ ...options, trustAnchors: eco.root.der } as VerifyDeviceOptions);
}

const codeOf = (result: VerifyDeviceResult): string => (result.ok ? 'ok' : result.code);

describe('DeviceVerifierPool', () => {
  it('answers a valid token as verifyDevice does, with the validated chain', async () => {
    const options = {
      token: attest(device, eco),
      time: NOW,
      audience: AUDIENCE,
      challenge: { nonce: 'n0nce-n0nce-n0nce' },
    };
    const pooled = await pool.verify(options);
    const expected = await direct(options);
    if (!pooled.ok || !expected.ok) throw new Error(`refused: ${codeOf(pooled)} / ${codeOf(expected)}`);
    expect(pooled.deviceId).toBe(device.deviceId);
    expect(pooled.serialNumber).toBe('SN-POOL-1');
    expect({ ...pooled, chain: undefined }).toEqual({ ...expected, chain: undefined });
    expect(pooled.chain.map((c) => c.fingerprint)).toEqual(expected.chain.map((c) => c.fingerprint));
    expect(pooled.chain[pooled.chain.length - 1]!.fingerprint).toBe(eco.root.fingerprint);
  });

  it('refuses bad tokens with the codes and messages of verifyDevice', async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const other = makeDevice(rogue);
    const tokens: Record<string, string> = {
      forged: attest(device, eco, { key: stranger }),
      audience: attest(device, eco, { audience: 'https://elsewhere.example' }),
      skew: attest(device, eco, { iat: Math.floor(NOW.getTime() / 1000) - 3600 }),
      nonce: attest(device, eco, { nonce: 'another-nonce' }),
      order: attest(device, eco, { x5c: [device.certificate, eco.manufacturer, eco.issuing] }),
      extra: attest(device, eco, { x5c: [device.certificate, eco.issuing, eco.manufacturer, eco.root] }),
      rogue: attest(other, rogue),
      malformed: 'not.a-token',
      none: attest(device, eco, { header: { alg: 'none' } }),
      deviceId: attest(device, eco, { payload: { iss: 'abcd', sub: 'abcd' } }),
    };
    const codes: Record<string, string> = {};
    for (const [name, token] of Object.entries(tokens)) {
      const options = { token, time: NOW, audience: AUDIENCE, challenge: { nonce: 'n0nce-n0nce-n0nce' } };
      // All at once: they travel to the workers in batches.
      const [pooled, expected] = await Promise.all([pool.verify(options), direct(options)]);
      expect(pooled, name).toEqual(expected);
      codes[name] = codeOf(pooled);
    }
    expect(codes).toEqual({
      forged: 'ERR_ATTEST_SIGNATURE_INVALID',
      audience: 'ERR_ATTEST_AUDIENCE_MISMATCH',
      skew: 'ERR_ATTEST_IAT_SKEW',
      nonce: 'ERR_ATTEST_NONCE_MISMATCH',
      order: 'ERR_ATTEST_X5C_ORDER',
      extra: 'ERR_ATTEST_X5C_EXTRA',
      rogue: 'ERR_ATTEST_UNTRUSTED_CHAIN',
      malformed: 'ERR_ATTEST_MALFORMED',
      none: 'ERR_ATTEST_ALG_NONE',
      deviceId: 'ERR_ATTEST_DEVICE_ID_MISMATCH',
    });
  });

  it('answers many concurrent tokens, each with its own answer', async () => {
    const devices = Array.from({ length: 40 }, () => makeDevice(eco));
    const requests = devices.map((d, i) => ({
      token: attest(d, eco, { audience: i % 3 === 0 ? 'https://other.example' : AUDIENCE }),
      time: NOW,
      audience: AUDIENCE,
    }));
    const answers = await Promise.all(requests.map((r) => pool.verify(r)));
    answers.forEach((answer, i) => {
      if (i % 3 === 0) expect(codeOf(answer)).toBe('ERR_ATTEST_AUDIENCE_MISMATCH');
      else expect(answer.ok && answer.deviceId).toBe(devices[i]!.deviceId);
    });
  });

  it('consumes a ChallengeStore nonce once, last, on its own thread', async () => {
    const store = new MemoryChallengeStore({ random: systemRandom });
    const { nonce } = store.issue(NOW);
    const good = { token: attest(device, eco, { nonce }), time: NOW, audience: AUDIENCE, challenge: { store } };
    // A token refused on its merits does not use the nonce up.
    const refused = await pool.verify({ ...good, audience: 'https://elsewhere.example' });
    expect(codeOf(refused)).toBe('ERR_ATTEST_AUDIENCE_MISMATCH');
    expect(codeOf(await pool.verify(good))).toBe('ok');
    expect(codeOf(await pool.verify(good))).toBe('ERR_ATTEST_NONCE_REPLAYED');
    const unknown = { ...good, token: attest(device, eco, { nonce: 'never-issued-nonce' }) };
    expect(codeOf(await pool.verify(unknown))).toBe('ERR_ATTEST_NONCE_UNKNOWN');
  });

  it('asks the RevocationSource before consuming the nonce', async () => {
    const store = new MemoryChallengeStore({ random: systemRandom });
    const { nonce } = store.issue(NOW);
    const asked: string[] = [];
    const revoked: RevocationSource = {
      check: (certificate) => {
        asked.push(certificate.serialHex);
        return { status: 'revoked', reason: 'keyCompromise' };
      },
    };
    const options = { token: attest(device, eco, { nonce }), time: NOW, audience: AUDIENCE, challenge: { store } };
    const result = await pool.verify({ ...options, revocation: revoked });
    expect(codeOf(result)).toBe('ERR_ATTEST_REVOKED');
    expect(asked).toEqual([device.certificate.serialHex]);
    expect(store.consume(nonce, NOW)).toBe('ok');
  });

  it('rejects misuse as verifyDevice throws it', async () => {
    await expect(pool.verify({ token: 'a.b.c', time: new Date(Number.NaN) })).rejects.toThrow(TypeError);
    await expect(pool.verify({ chain: [eco.root.der], time: NOW } as unknown as PooledVerifyOptions)).rejects.toThrow(
      TypeError,
    );
    await expect(pool.verify({ token: attest(device, eco), time: NOW, challenge: {} as never })).rejects.toThrow(
      TypeError,
    );
    // Checked in the worker by verifyDevice's own option checks, rethrown here as the same TypeError.
    await expect(pool.verify({ token: attest(device, eco), time: NOW, audience: 42 as never })).rejects.toThrow(
      TypeError,
    );
    await expect(pool.verify({ token: attest(device, eco), time: NOW, revocation: {} as never })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('DeviceVerifierPool: a worker that dies', () => {
  it('rejects its verifications with ERR_ATTEST_VERIFIER_FAILED instead of hanging', async () => {
    const crashing = new DeviceVerifierPool({
      trustAnchors: eco.root.der,
      threads: 1,
      workerFile: new URL('./fixtures/crashing-worker.mjs', import.meta.url),
    });
    try {
      const token = attest(device, eco);
      const outcomes = await Promise.allSettled([
        crashing.verify({ token, time: NOW }),
        crashing.verify({ token, time: NOW }),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as unknown;
        expect(isKeylineError(reason) && reason.code).toBe('ERR_ATTEST_VERIFIER_FAILED');
      }
    } finally {
      await crashing.close();
    }
    await expect(crashing.verify({ token: attest(device, eco), time: NOW })).rejects.toMatchObject({
      code: 'ERR_ATTEST_VERIFIER_FAILED',
    });
  });
});
