import type { ErrorCode } from '@keyline/core';

/**
 * The emulator's extension to the execution-error response: a real chip answers an execution error
 * with the single status byte 0x0F; the emulator adds one byte after it naming the reason, so a
 * driver can report the same ERR_SE_* code over a bus as the in-process element does. A driver that
 * talks to a real chip sees no reason byte and reports ERR_SE_EXECUTION_FAILED.
 */
const REASONS: readonly (readonly [number, ErrorCode])[] = [
  [0x01, 'ERR_SE_NOT_A_KEY_SLOT'],
  [0x02, 'ERR_SE_NO_KEY'],
  [0x03, 'ERR_SE_PRIVATE_KEY_SLOT'],
  [0x04, 'ERR_SE_LOCKED'],
  [0x05, 'ERR_SE_ALREADY_LOCKED'],
  [0x06, 'ERR_SE_NOT_LOCKED'],
  [0x07, 'ERR_SE_PERMISSION_DENIED'],
  [0x08, 'ERR_SE_NOT_LOCKABLE'],
  [0x09, 'ERR_SE_COUNTER_LIMIT'],
  [0x0a, 'ERR_SE_BAD_PUBLIC_KEY'],
  [0x0b, 'ERR_SE_OUT_OF_RANGE'],
  [0x0c, 'ERR_SE_NO_DIGEST'],
  [0x0d, 'ERR_SE_LOCK_SUMMARY_MISMATCH'],
  [0x0e, 'ERR_SE_EXECUTION_FAILED'],
];

const CODE_OF_REASON = new Map<number, ErrorCode>(REASONS);
const REASON_OF_CODE = new Map<ErrorCode, number>(REASONS.map(([reason, code]) => [code, reason]));

export function reasonOfCode(code: ErrorCode): number | undefined {
  return REASON_OF_CODE.get(code);
}

export function codeOfReason(reason: number): ErrorCode | undefined {
  return CODE_OF_REASON.get(reason);
}
