import type { KeylineError } from '@keyline/core';
import { STATUS } from '../atecc/opcodes.js';
import { reasonOfCode } from '../atecc/reasons.js';
import { decodeCommandFrame } from '../frame/command-frame.js';
import { encodeResponseFrame } from '../frame/response-frame.js';
import type { ChipSession } from './commands/index.js';
import type { ChipReply, EmulatedChip } from './chip.js';

/** The response frame of an error: a status byte, and the emulator's reason byte after an execution error. */
export function errorResponse(error: KeylineError): Uint8Array {
  if (error.code === 'ERR_SE_BAD_COMMAND') return encodeResponseFrame(Uint8Array.of(STATUS.PARSE_ERROR));
  if (error.code === 'ERR_SE_CRC' || error.code === 'ERR_SE_BAD_FRAME')
    return encodeResponseFrame(Uint8Array.of(STATUS.COMMUNICATION_ERROR));
  const reason = reasonOfCode(error.code);
  return encodeResponseFrame(
    reason === undefined ? Uint8Array.of(STATUS.EXECUTION_ERROR) : Uint8Array.of(STATUS.EXECUTION_ERROR, reason),
  );
}

/**
 * The chip's side of the bus: takes a command frame, answers a response frame. A frame with a wrong
 * count, size or CRC gets the communication-error status 0xFF; an unknown opcode or bad parameters
 * the parse-error status 0x03; nothing the host sends makes it throw. `null` means the chip did not
 * answer (a `silent` fault).
 */
export class CommandProcessor {
  readonly chip: EmulatedChip;

  constructor(chip: EmulatedChip) {
    this.chip = chip;
  }

  openSession(): ChipSession {
    return this.chip.openSession();
  }

  async process(frame: Uint8Array, session: ChipSession): Promise<Uint8Array | null> {
    return this.processNow(frame, session);
  }

  /**
   * As `process`, but the response comes back synchronously when the chip could run the command at
   * once (`EmulatedChip.executeNow`); otherwise a promise.
   */
  processNow(frame: Uint8Array, session: ChipSession): Uint8Array | null | Promise<Uint8Array | null> {
    if (!(frame instanceof Uint8Array)) return encodeResponseFrame(Uint8Array.of(STATUS.COMMUNICATION_ERROR));
    let command;
    try {
      // The command's data is copied out of the frame: nothing here keeps the host's bytes.
      command = decodeCommandFrame(frame);
    } catch {
      return encodeResponseFrame(Uint8Array.of(STATUS.COMMUNICATION_ERROR));
    }
    const now = this.chip.executeNow(command, session);
    if (now !== undefined) return responseOf(now);
    return this.chip.execute(command, session).then(responseOf);
  }
}

/** The response frame of what the chip did (null: it did not answer). */
function responseOf(reply: ChipReply): Uint8Array | null {
  if (reply.kind === 'silent') return null;
  if (reply.kind === 'error') return errorResponse(reply.error);
  const response = encodeResponseFrame(reply.output);
  if (reply.garbled) response[response.length - 1] = response[response.length - 1]! ^ 0xff;
  return response;
}
