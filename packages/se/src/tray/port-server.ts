import { isKeylineError } from '@keyline/core';
import type { ChipSession } from '../emulator/commands/index.js';
import type { EmulatedChip } from '../emulator/chip.js';
import { CommandProcessor } from '../emulator/processor.js';
import {
  isFrameRequest,
  isSessionEnd,
  type FrameAnswer,
  type FramePort,
  type FrameRequest,
} from '../transport/port-protocol.js';

/**
 * The chips' end of a port (port-protocol.ts), in the thread that holds them: each frame goes to
 * its chip's command processor under the host session it names, and the response frame goes back.
 * `chipOf` finds a chip by serial (a tray's, or chips kept in memory); a chip it cannot give is
 * answered with the error (ERR_SE_CHIP_NOT_FOUND, ERR_SE_BAD_IMAGE) instead of a frame.
 */
export class FramePortServer {
  readonly #chipOf: (serialHex: string) => Promise<EmulatedChip>;
  readonly #processors = new Map<string, CommandProcessor>();
  readonly #sessions = new Map<number, ChipSession>();

  constructor(chipOf: (serialHex: string) => Promise<EmulatedChip>) {
    this.#chipOf = chipOf;
  }

  /** Answers every frame request arriving on `port`; returns a function that stops listening. */
  listen(port: FramePort): () => void {
    const listener = (message: unknown): void => {
      if (isSessionEnd(message)) this.#sessions.delete(message.session);
      else if (isFrameRequest(message)) void this.answer(message).then((answer) => port.postMessage(answer));
    };
    port.on('message', listener);
    return () => port.off('message', listener);
  }

  /**
   * Forgets every chip and session served so far: the next frame for a chip asks `chipOf` again (its
   * owner has opened its chips anew; two objects for one chip image would lose each other's changes).
   */
  forget(): void {
    this.#processors.clear();
    this.#sessions.clear();
  }

  /** The answer to one frame request. Never throws. */
  async answer(request: FrameRequest): Promise<FrameAnswer> {
    try {
      let processor = this.#processors.get(request.serialHex);
      if (processor === undefined) {
        processor = new CommandProcessor(await this.#chipOf(request.serialHex));
        this.#processors.set(request.serialHex, processor);
      }
      let session = this.#sessions.get(request.session);
      if (session === undefined) this.#sessions.set(request.session, (session = processor.openSession()));
      const frame = await processor.process(request.frame, session);
      return { kind: 'se-frame-answer', id: request.id, frame };
    } catch (error) {
      const code = isKeylineError(error) ? error.code : 'ERR_SE_TRANSPORT';
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'se-frame-answer', id: request.id, frame: null, error: { code, message } };
    }
  }
}
