import { fail } from '@keyline/core';
import { OPERATIONS, type Operation } from '../atecc/opcodes.js';

/**
 * What an injected fault does to a command it matches.
 * - `fail`: the chip answers an execution error and the command has no effect (a write failure, a
 *   lock failure, a key generation failure).
 * - `corrupt`: the command runs, but its output is wrong: a signature that does not verify, a public
 *   key that is not the slot's, a read or ECDH result with a flipped bit, a write stored with a flipped
 *   bit while reporting success, a random block of zeros. On other commands it acts as `fail`.
 * - `silent`: the chip does not answer and does nothing; the host times out (ERR_SE_NOT_RESPONDING).
 * - `crc`: the command runs and takes effect, but its answer arrives with a bad CRC (ERR_SE_CRC).
 */
export type FaultEffect = 'fail' | 'corrupt' | 'silent' | 'crc';

export const FAULT_EFFECTS: readonly FaultEffect[] = ['fail', 'corrupt', 'silent', 'crc'];

/** A fault injected into one emulated chip; it persists in the chip's image until it is used up. */
export interface FaultSpec {
  /** The command it matches, or `any`. */
  readonly operation: Operation | 'any';
  readonly effect: FaultEffect;
  /** Only commands addressing this slot (data-zone Read/Write, GenKey, Sign, ECDH, slot Lock). */
  readonly slot?: number;
  /** Matching commands let through before the fault first fires (default 0). */
  readonly skip?: number;
  /** How many times it fires; absent means every time from then on (a chip that stays broken). */
  readonly count?: number;
}

const KEYS = new Set(['operation', 'effect', 'slot', 'skip', 'count']);

function optionalCount(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    fail('ERR_SE_BAD_FAULT', `fault ${field} must be an integer of at least ${min}`);
  return value;
}

/** A checked copy of a fault description (from an API call or an image file). */
export function parseFault(value: unknown): FaultSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('ERR_SE_BAD_FAULT', 'fault is not an object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!KEYS.has(key)) fail('ERR_SE_BAD_FAULT', `unknown fault field ${key}`);
  const operation = record['operation'];
  if (operation !== 'any' && !OPERATIONS.includes(operation as Operation))
    fail('ERR_SE_BAD_FAULT', 'fault operation is not a known command');
  const effect = record['effect'];
  if (!FAULT_EFFECTS.includes(effect as FaultEffect)) fail('ERR_SE_BAD_FAULT', 'fault effect is not known');
  const slot = optionalCount(record['slot'], 'slot', 0);
  if (slot !== undefined && slot > 15) fail('ERR_SE_BAD_FAULT', 'fault slot must be 0-15');
  const skip = optionalCount(record['skip'], 'skip', 0);
  const count = optionalCount(record['count'], 'count', 1);
  return {
    operation: operation as Operation | 'any',
    effect: effect as FaultEffect,
    ...(slot === undefined ? {} : { slot }),
    ...(skip === undefined || skip === 0 ? {} : { skip }),
    ...(count === undefined ? {} : { count }),
  };
}

/** What matching a command against the chip's faults decided. */
export interface FaultDecision {
  /** The fault that fires, if any. */
  readonly effect: FaultEffect | undefined;
  /** The chip's faults afterwards (skips and counts used up). */
  readonly faults: readonly FaultSpec[];
  /** Whether the faults changed and must be saved. */
  readonly changed: boolean;
}

/** Matches one command against the faults in order; the first that matches decides. */
export function matchFault(
  faults: readonly FaultSpec[],
  operation: Operation | undefined,
  slot: number | undefined,
): FaultDecision {
  const index = faults.findIndex(
    (f) => (f.operation === 'any' || f.operation === operation) && (f.slot === undefined || f.slot === slot),
  );
  if (index < 0) return { effect: undefined, faults, changed: false };
  const fault = faults[index]!;
  const next = [...faults];
  if (fault.skip !== undefined && fault.skip > 0) {
    const { skip, ...rest } = fault;
    next[index] = skip > 1 ? { ...rest, skip: skip - 1 } : rest;
    return { effect: undefined, faults: next, changed: true };
  }
  if (fault.count === undefined) return { effect: fault.effect, faults, changed: false };
  if (fault.count > 1) next[index] = { ...fault, count: fault.count - 1 };
  else next.splice(index, 1);
  return { effect: fault.effect, faults: next, changed: true };
}
