import { fail, KeylineError } from '@keyline/core';
import { STATUS, type AteccCommand } from './atecc/opcodes.js';
import { codeOfReason } from './atecc/reasons.js';
import { AteccElement } from './atecc-element.js';
import type { CommandPort } from './command-port.js';
import { encodeCommandFrame } from './frame/command-frame.js';
import { decodeResponseFrame } from './frame/response-frame.js';
import type { Transport } from './transport/transport.js';

/** The error a status byte (and the emulator's optional reason byte) stands for. */
export function statusError(status: number, reason?: number): KeylineError {
  switch (status) {
    case STATUS.PARSE_ERROR:
      return new KeylineError('ERR_SE_BAD_COMMAND');
    case STATUS.COMMUNICATION_ERROR:
      return new KeylineError('ERR_SE_CRC', 'the element reported a CRC or communication error');
    case STATUS.EXECUTION_ERROR: {
      const code = reason === undefined ? undefined : codeOfReason(reason);
      return new KeylineError(code ?? 'ERR_SE_EXECUTION_FAILED');
    }
    case STATUS.ECC_FAULT:
      return new KeylineError('ERR_SE_EXECUTION_FAILED', 'the element reported an ECC fault');
    case STATUS.CHECKMAC_MISCOMPARE:
      return new KeylineError('ERR_SE_EXECUTION_FAILED', 'the element reported a miscompare');
    case STATUS.SELF_TEST_ERROR:
    case STATUS.HEALTH_TEST_ERROR:
      return new KeylineError('ERR_SE_EXECUTION_FAILED', 'the element failed its self test');
    case STATUS.WATCHDOG_EXPIRING:
      return new KeylineError('ERR_SE_EXECUTION_FAILED', 'the element watchdog is about to expire');
    default:
      return new KeylineError('ERR_SE_BAD_RESPONSE', 'the element answered an unexpected status');
  }
}

/** The output of a response frame, or the error its status stands for. */
export function interpretOutput(output: Uint8Array, expectedLength: number): Uint8Array {
  if (expectedLength === 1) {
    if (output.length === 1 && output[0] === STATUS.SUCCESS) return output;
  } else if (output.length === expectedLength) {
    return output;
  }
  if (output.length === 1)
    throw output[0] === STATUS.SUCCESS ? new KeylineError('ERR_SE_BAD_RESPONSE') : statusError(output[0]!);
  if (output.length === 2 && output[0] === STATUS.EXECUTION_ERROR) throw statusError(output[0], output[1]);
  return fail('ERR_SE_BAD_RESPONSE');
}

/** Commands framed (count, opcode, params, data, CRC-16) and carried by a transport. */
export class FramedCommandPort implements CommandPort {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  async execute(command: AteccCommand, expectedLength: number): Promise<Uint8Array> {
    return this.executeNow(command, expectedLength);
  }

  /** The output at once when the transport answered at once (`Transport.transactNow`); else a promise. */
  executeNow(command: AteccCommand, expectedLength: number): Uint8Array | Promise<Uint8Array> {
    const transport = this.#transport;
    const frame = encodeCommandFrame(command);
    if (transport.transactNow === undefined) return this.#later(transport.transact(frame), expectedLength);
    const response = transport.transactNow(frame);
    if (response instanceof Uint8Array) return interpretOutput(decodeResponseFrame(response), expectedLength);
    return this.#later(response, expectedLength);
  }

  async #later(pending: Promise<Uint8Array>, expectedLength: number): Promise<Uint8Array> {
    return interpretOutput(decodeResponseFrame(await pending), expectedLength);
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}

/**
 * The `SecureElement` driver over a bus: every operation becomes ATECC command frames sent through a
 * `Transport` (in process to an emulator, over a local socket to `serveTray`, or, with a transport
 * written for it, to a real chip), and every response frame is checked (count, CRC, status).
 */
export class FramedElement extends AteccElement {
  constructor(transport: Transport) {
    super(new FramedCommandPort(transport));
  }
}
