/**
 * Command opcodes of the ATECC508A/608A that the emulator implements (datasheet section
 * "Command Opcodes"), and the status codes a chip answers with (section "Status/Error Codes").
 */
export const OPCODE = {
  READ: 0x02,
  WRITE: 0x12,
  NONCE: 0x16,
  LOCK: 0x17,
  RANDOM: 0x1b,
  COUNTER: 0x24,
  INFO: 0x30,
  GENKEY: 0x40,
  SIGN: 0x41,
  ECDH: 0x43,
} as const;

export type Opcode = (typeof OPCODE)[keyof typeof OPCODE];

/** The single-byte statuses of a four-byte response frame. */
export const STATUS = {
  SUCCESS: 0x00,
  CHECKMAC_MISCOMPARE: 0x01,
  PARSE_ERROR: 0x03,
  ECC_FAULT: 0x05,
  SELF_TEST_ERROR: 0x07,
  HEALTH_TEST_ERROR: 0x08,
  EXECUTION_ERROR: 0x0f,
  AFTER_WAKE: 0x11,
  WATCHDOG_EXPIRING: 0xee,
  COMMUNICATION_ERROR: 0xff,
} as const;

/** The names under which faults and timings refer to commands. */
export type Operation =
  'read' | 'write' | 'nonce' | 'lock' | 'random' | 'counter' | 'info' | 'genKey' | 'sign' | 'ecdh';

export const OPERATION_OF_OPCODE: ReadonlyMap<number, Operation> = new Map<number, Operation>([
  [OPCODE.READ, 'read'],
  [OPCODE.WRITE, 'write'],
  [OPCODE.NONCE, 'nonce'],
  [OPCODE.LOCK, 'lock'],
  [OPCODE.RANDOM, 'random'],
  [OPCODE.COUNTER, 'counter'],
  [OPCODE.INFO, 'info'],
  [OPCODE.GENKEY, 'genKey'],
  [OPCODE.SIGN, 'sign'],
  [OPCODE.ECDH, 'ecdh'],
]);

export const OPERATIONS: readonly Operation[] = [...OPERATION_OF_OPCODE.values()];

/** One command as the chip sees it once the frame is taken off: opcode, Param1, Param2, data. */
export interface AteccCommand {
  readonly opcode: number;
  /** Param1 ("mode"), one byte. */
  readonly param1: number;
  /** Param2 ("address" or "KeyID"), two bytes, sent least-significant byte first. */
  readonly param2: number;
  readonly data: Uint8Array;
}
