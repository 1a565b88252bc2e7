import type { Operation } from './opcodes.js';

/**
 * How long a real chip takes, for simulating a line. Off unless asked for.
 *
 * Durations are the maximum execution times the ATECC508A datasheet lists (and that Microchip's
 * CryptoAuthLib uses as its polling budget): GenKey 115 ms, Sign 50 ms, ECDH 58 ms, Random 23 ms,
 * Write 26 ms, Lock 32 ms, Counter 20 ms, Nonce 7 ms, Read and Info 1 ms. The ATECC608A lists the
 * same order of magnitude (longer at its slower clock-divider settings); `scale` stretches or
 * shrinks them all.
 */
export interface TimingModel {
  /** Milliseconds each command takes; missing ones take no time. */
  readonly durationsMs: Readonly<Partial<Record<Operation, number>>>;
  /** Multiplies every duration (default 1). */
  readonly scale?: number;
  /** If set, also charges the I2C transfer: 9 clock cycles per byte at this clock (e.g. 400_000 Hz). */
  readonly busHz?: number;
}

export const ATECC_TIMING: TimingModel = Object.freeze({
  durationsMs: Object.freeze({
    genKey: 115,
    sign: 50,
    ecdh: 58,
    random: 23,
    write: 26,
    lock: 32,
    counter: 20,
    nonce: 7,
    read: 1,
    info: 1,
  }),
});

/** Milliseconds a command of `operation` costs under `model`, moving `bytes` over the bus. */
export function commandDurationMs(model: TimingModel, operation: Operation | undefined, bytes: number): number {
  const scale = model.scale ?? 1;
  const execution = operation === undefined ? 0 : (model.durationsMs[operation] ?? 0);
  const bus = model.busHz === undefined ? 0 : (bytes * 9 * 1000) / model.busHz;
  return (execution + bus) * scale;
}
