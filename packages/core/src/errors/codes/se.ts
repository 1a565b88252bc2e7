import type { ErrorSpec } from '../spec.js';

/**
 * Failures of secure elements (`@keyline/se`): the `SecureElement` interface, the ATECC508A/608A
 * emulator, command framing and transports. Messages are fixed and never carry key material.
 */
export const SE_ERRORS = {
  // Arguments a caller passes (checked before anything reaches the element)
  ERR_SE_OUT_OF_RANGE: {
    message: 'slot, offset, length, counter or size is outside what the element has',
    kind: 'input',
  },
  ERR_SE_MISALIGNED: {
    message: 'writes to the element are made of whole 4-byte words at word-aligned offsets',
    kind: 'input',
  },
  ERR_SE_BAD_DIGEST: { message: 'the element signs a 32-byte digest (SHA-256 output) only', kind: 'input' },
  ERR_SE_BAD_PUBLIC_KEY: {
    message: 'peer public key is not an uncompressed P-256 point on the curve',
    kind: 'input',
  },
  ERR_SE_BAD_SERIAL: { message: 'chip serial number must be 9 bytes (18 hexadecimal digits)', kind: 'input' },

  // What the slot and key configuration allow (ATECC508A/608A SlotConfig and KeyConfig)
  ERR_SE_NOT_A_KEY_SLOT: { message: 'the slot is not configured to hold a P-256 private key', kind: 'invalid' },
  ERR_SE_PRIVATE_KEY_SLOT: {
    message: 'the slot holds a private key, which can never be read or written directly',
    kind: 'invalid',
  },
  ERR_SE_NO_KEY: { message: 'the slot holds no key yet', kind: 'state' },
  ERR_SE_PERMISSION_DENIED: { message: 'the slot configuration does not permit this operation', kind: 'invalid' },
  ERR_SE_NO_DIGEST: {
    message: 'no digest is loaded for signing (the Nonce command must come first in this session)',
    kind: 'state',
  },

  // Locks and counters
  ERR_SE_LOCKED: { message: 'the zone or slot is locked against this change', kind: 'state' },
  ERR_SE_ALREADY_LOCKED: { message: 'the zone or slot is already locked', kind: 'state' },
  ERR_SE_NOT_LOCKED: {
    message: 'the operation needs the configuration (or data) zone to be locked first',
    kind: 'state',
  },
  ERR_SE_NOT_LOCKABLE: { message: 'the slot configuration does not allow locking this slot alone', kind: 'invalid' },
  ERR_SE_LOCK_SUMMARY_MISMATCH: {
    message: 'lock refused: the zone contents do not match the summary CRC the host sent',
    kind: 'state',
  },
  ERR_SE_COUNTER_LIMIT: { message: 'the monotonic counter has reached its limit', kind: 'state' },

  // The element and the bus
  ERR_SE_EXECUTION_FAILED: { message: 'the element reported an execution error', kind: 'internal' },
  ERR_SE_BAD_COMMAND: {
    message: 'the element refused the command as malformed (unknown opcode or bad parameters)',
    kind: 'input',
  },
  ERR_SE_BAD_FRAME: { message: 'the frame is malformed (count, size or layout)', kind: 'input' },
  ERR_SE_CRC: { message: 'CRC mismatch or communication error on the bus', kind: 'internal' },
  ERR_SE_BAD_RESPONSE: {
    message: 'the element answered with a response that does not fit the command',
    kind: 'internal',
  },
  ERR_SE_NOT_RESPONDING: { message: 'the element did not answer in time', kind: 'internal' },
  ERR_SE_TRANSPORT: { message: 'the connection to the element failed or was closed', kind: 'internal' },
  ERR_SE_CLOSED: { message: 'the element or transport has been closed', kind: 'state' },

  // PKCS#11 tokens (Pkcs11Element)
  ERR_SE_PKCS11: { message: 'the PKCS#11 module or token failed the operation', kind: 'internal' },
  ERR_SE_TOKEN_NOT_FOUND: { message: 'no PKCS#11 token with that label is present', kind: 'invalid' },
  ERR_SE_BAD_PIN: { message: 'the PKCS#11 token refused the PIN', kind: 'auth' },

  // Emulator images and trays
  ERR_SE_CHIP_NOT_FOUND: { message: 'no chip with that serial number in the tray', kind: 'invalid' },
  ERR_SE_BAD_IMAGE: { message: 'the chip image is malformed', kind: 'input' },
  ERR_SE_BAD_FAULT: { message: 'the fault description is malformed', kind: 'input' },
} as const satisfies Record<string, ErrorSpec>;
