/**
 * Command frames between threads (node:worker_threads): a host thread sends a chip's command frame
 * as a message on a MessagePort (or the port of a Worker) and the thread that holds the chip answers
 * its response frame, as the socket protocol does between processes (socket-protocol.ts). One port
 * carries frames for many chips and many host sessions at once: each request names its chip (serial)
 * and its session (a TempKey of its own), and is answered under its id.
 */

/** A frame sent to the thread that holds the chips. */
export interface FrameRequest {
  readonly kind: 'se-frame';
  readonly id: number;
  /** The chip, lower-case hex. */
  readonly serialHex: string;
  /** The host session (a Nonce and its Sign must share one). */
  readonly session: number;
  readonly frame: Uint8Array;
}

/** The answer: the response frame, `null` when the chip did not answer, or why there is no chip. */
export interface FrameAnswer {
  readonly kind: 'se-frame-answer';
  readonly id: number;
  readonly frame: Uint8Array | null;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A host session ended: the chip thread forgets its TempKey. */
export interface SessionEnd {
  readonly kind: 'se-session-end';
  readonly session: number;
}

/** The part of a MessagePort (or a Worker, or `parentPort`) the frame protocol uses. */
export interface FramePort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export function isFrameRequest(message: unknown): message is FrameRequest {
  return (message as { kind?: unknown } | null)?.kind === 'se-frame';
}

export function isSessionEnd(message: unknown): message is SessionEnd {
  return (message as { kind?: unknown } | null)?.kind === 'se-session-end';
}

export function isFrameAnswer(message: unknown): message is FrameAnswer {
  return (message as { kind?: unknown } | null)?.kind === 'se-frame-answer';
}
