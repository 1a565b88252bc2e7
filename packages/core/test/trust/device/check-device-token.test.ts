import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemRandom } from '../../../src/ports/random.js';
import { MemoryChallengeStore } from '../../../src/trust/device/challenge/memory-challenge-store.js';
import type { RevocationSource } from '../../../src/trust/device/revocation/revocation-source.js';
import type { VerifyDeviceOptions } from '../../../src/trust/device/types.js';
import { checkDeviceTokenSync, finishDeviceCheck, verifyDeviceSync } from '../../../src/trust/device/verify-device.js';
import { attest, AUDIENCE, makeDevice, makeEcosystem, NOW, type Ecosystem, type TestDevice } from './fixtures.js';

let eco: Ecosystem;
let device: TestDevice;

beforeAll(async () => {
  eco = await makeEcosystem();
  device = makeDevice(eco);
});

const options = (token: string, extra: Partial<VerifyDeviceOptions> = {}): VerifyDeviceOptions => ({
  token,
  trustAnchors: eco.root,
  time: NOW,
  audience: AUDIENCE,
  ...extra,
});

describe('checkDeviceTokenSync: steps 1 to 7 for a worker', () => {
  it("answers verifyDeviceSync's identity and chain, with the token's nonce", () => {
    const token = attest(device, eco, { nonce: 'the-nonce-of-this-token' });
    const checked = checkDeviceTokenSync(options(token));
    const full = verifyDeviceSync(options(token));
    if (!checked.ok || !full.ok) throw new Error('refused');
    expect(checked.nonce).toBe('the-nonce-of-this-token');
    const { nonce, ...identity } = checked;
    void nonce;
    expect(identity).toEqual(full);
  });

  it('refuses as verifyDeviceSync does', () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    for (const token of [
      attest(device, eco, { key: stranger }),
      attest(device, eco, { audience: 'https://elsewhere.example' }),
      attest(device, eco, { x5c: [device.certificate, eco.manufacturer, eco.issuing] }),
      'a.b',
    ]) {
      const extra = { challenge: { nonce: 'n0nce-n0nce-n0nce' } };
      expect(checkDeviceTokenSync(options(token, extra))).toEqual(verifyDeviceSync(options(token, extra)));
    }
  });

  it('leaves revocation and ChallengeStores to its caller (TypeError)', () => {
    const token = attest(device, eco);
    const store = new MemoryChallengeStore({ random: systemRandom });
    const revocation: RevocationSource = { check: () => ({ status: 'good' }) };
    expect(() => checkDeviceTokenSync(options(token, { challenge: { store } }))).toThrow(TypeError);
    expect(() => checkDeviceTokenSync(options(token, { revocation }))).toThrow(TypeError);
    expect(() => checkDeviceTokenSync({ chain: [device.certificate], trustAnchors: eco.root, time: NOW })).toThrow(
      TypeError,
    );
  });
});

describe('finishDeviceCheck: steps 8 and 9', () => {
  it('consumes the nonce once, and only after revocation passed', async () => {
    const store = new MemoryChallengeStore({ random: systemRandom });
    const { nonce } = store.issue(NOW);
    const chain = (): readonly (typeof eco.root)[] => [device.certificate, eco.issuing, eco.manufacturer, eco.root];
    const revoked: RevocationSource = { check: () => ({ status: 'revoked' }) };
    const base = options(attest(device, eco, { nonce }), { challenge: { store } });
    expect((await finishDeviceCheck({ ...base, revocation: revoked }, nonce, chain))?.code).toBe('ERR_ATTEST_REVOKED');
    expect(await finishDeviceCheck(base, nonce, chain)).toBeUndefined();
    expect((await finishDeviceCheck(base, nonce, chain))?.code).toBe('ERR_ATTEST_NONCE_REPLAYED');
  });

  it('does not ask for the chain without a RevocationSource', async () => {
    let asked = false;
    const chain = (): never => {
      asked = true;
      throw new Error('not needed');
    };
    expect(await finishDeviceCheck(options('x.y.z'), 'n', chain)).toBeUndefined();
    expect(asked).toBe(false);
  });
});
