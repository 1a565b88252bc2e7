import { describe, expect, it } from 'vitest';
import { laneOf } from '../../src/verification/device-affinity.js';

const header = (n: number): string =>
  Buffer.from(JSON.stringify({ alg: 'ES256', x5c: [`device-${n}`] })).toString('base64url');

describe('laneOf', () => {
  it('sends every attestation of a device to the same lane, whatever its payload', () => {
    const h = header(7);
    const lanes = new Set([`${h}.payload-one.sig`, `${h}.another-payload.x`, `${h}`].map((t) => laneOf(t, 4)));
    expect(lanes.size).toBe(1);
  });

  it('spreads devices over the lanes', () => {
    const counts = [0, 0, 0];
    for (let n = 0; n < 3000; n++) counts[laneOf(`${header(n)}.p.s`, 3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it('one lane, or a token without a dot, still has a lane', () => {
    expect(laneOf('anything', 1)).toBe(0);
    expect(laneOf('', 2)).toBeLessThan(2);
    expect(laneOf('no-dot-at-all', 2)).toBeGreaterThanOrEqual(0);
  });
});
