import { describe, expect, it } from 'vitest';
import { ATECC_TIMING, commandDurationMs } from '../../src/atecc/timing.js';
import { createMemoryChip } from '../../src/emulator/create.js';
import { peerKeyPair, sha256 } from '../helpers.js';

const chipPeer = peerKeyPair().publicKey;

async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

describe('timing model', () => {
  it('is off by default', async () => {
    const se = createMemoryChip().element();
    expect(await elapsed(() => se.generateKey(0))).toBeLessThan(100);
  });

  it('makes GenKey, Sign and ECDH take about as long as on the chip', async () => {
    const chip = createMemoryChip({ timing: true });
    const se = chip.element();
    expect(await elapsed(() => se.generateKey(0))).toBeGreaterThanOrEqual(110);
    // Sign is a Nonce (7 ms) and a Sign (50 ms).
    expect(await elapsed(() => se.sign(0, sha256('t')))).toBeGreaterThanOrEqual(55);
    expect(await elapsed(() => se.ecdh(0, Uint8Array.from(chipPeer)))).toBeGreaterThanOrEqual(55);
    chip.setTiming({ ...ATECC_TIMING, scale: 3 });
    expect(await elapsed(() => se.sign(0, sha256('t')))).toBeGreaterThanOrEqual(170);
    chip.setTiming(false);
    expect(await elapsed(() => se.sign(0, sha256('t')))).toBeLessThan(100);
  });

  it('scales, and charges the bus when asked', async () => {
    const se = createMemoryChip({ timing: { ...ATECC_TIMING, scale: 0.2 } }).element();
    const ms = await elapsed(() => se.generateKey(0));
    expect(ms).toBeGreaterThanOrEqual(20);
    expect(ms).toBeLessThan(110);
    expect(commandDurationMs(ATECC_TIMING, 'genKey', 0)).toBe(115);
    expect(commandDurationMs({ durationsMs: {}, busHz: 100_000 }, 'read', 100)).toBeCloseTo(9, 5);
    expect(commandDurationMs(ATECC_TIMING, undefined, 0)).toBe(0);
  });
});
