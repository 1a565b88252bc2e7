import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationCache } from '../../../src/trust/cache/validation-cache.js';
import { verifyDeviceSync } from '../../../src/trust/device/verify-device.js';
import { attest, AUDIENCE, makeDevice, makeEcosystem, NOW, type Ecosystem, type TestDevice } from './fixtures.js';

let eco: Ecosystem;
let device: TestDevice;
let token: string;

beforeAll(async () => {
  eco = await makeEcosystem();
  device = makeDevice(eco);
  token = attest(device, eco, { nonce: 'expected-nonce' });
});

describe('verifyDevice: any single-byte change of a token is refused (property)', () => {
  it('accepts the token as made', () => {
    const result = verifyDeviceSync({
      token,
      trustAnchors: eco.root,
      time: NOW,
      audience: AUDIENCE,
      challenge: { nonce: 'expected-nonce' },
    });
    expect(result.ok).toBe(true);
  });

  it('refuses the token with one character replaced by any other byte', () => {
    const cache = new ValidationCache();
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.integer({ min: 0, max: 255 }), (index, code) => {
        fc.pre(token.charCodeAt(index) !== code);
        const mutated = token.slice(0, index) + String.fromCharCode(code) + token.slice(index + 1);
        const result = verifyDeviceSync({
          token: mutated,
          trustAnchors: eco.root,
          time: NOW,
          audience: AUDIENCE,
          challenge: { nonce: 'expected-nonce' },
          cache,
        });
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300, seed: 20261125 },
    );
  });

  it('refuses the token with one character removed or added', () => {
    fc.assert(
      fc.property(fc.nat({ max: token.length - 1 }), fc.constantFrom('A', '-', '.', '=', ' '), (index, extra) => {
        const removed = token.slice(0, index) + token.slice(index + 1);
        const added = token.slice(0, index) + extra + token.slice(index);
        for (const mutated of [removed, added]) {
          const result = verifyDeviceSync({ token: mutated, trustAnchors: eco.root, time: NOW, audience: AUDIENCE });
          expect(result.ok).toBe(false);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('answers any text with a verdict, never an exception', () => {
    const parts = fc.array(fc.oneof(fc.base64String(), fc.string(), fc.constantFrom(token.split('.')[0]!)), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          parts.map((p) => p.join('.')),
        ),
        (text) => {
          const result = verifyDeviceSync({ token: text, trustAnchors: eco.root, time: NOW });
          expect(result.ok).toBe(false);
          expect(typeof (!result.ok && result.code)).toBe('string');
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
