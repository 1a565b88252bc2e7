import { createReadStream } from 'node:fs';
import { KeylineError } from '@keyline/core';

/** The longest line a manifest may hold (a device line is about 1 KiB; a header with its chain a few). */
export const MAX_LINE_BYTES = 256 * 1024;

/** One line of a manifest: its bytes without the newline, and its 1-based line number. */
export interface ManifestLine {
  readonly bytes: Buffer;
  readonly number: number;
  /** False for a last line the file ends without a newline after (a cut-off file). */
  readonly terminated: boolean;
}

/**
 * Reads a file line by line (LF only: a CR stays part of its line, so it changes the bytes hashed)
 * holding at most one chunk and one line in memory. A line longer than MAX_LINE_BYTES ends in
 * ERR_MANIFEST_LINE_TOO_LONG rather than growing memory. A file that cannot be opened or read
 * rejects with the stream's Node error.
 */
export async function* readLines(path: string, maxLine = MAX_LINE_BYTES): AsyncGenerator<ManifestLine> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  let number = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    const data = chunk as Buffer;
    let from = 0;
    for (let at = data.indexOf(0x0a, from); at !== -1; at = data.indexOf(0x0a, from)) {
      const piece = data.subarray(from, at);
      const bytes = pendingLength === 0 ? Buffer.from(piece) : Buffer.concat([...pending, piece]);
      pending = [];
      pendingLength = 0;
      number++;
      if (bytes.length > maxLine) throw tooLong(number);
      yield { bytes, number, terminated: true };
      from = at + 1;
    }
    if (from < data.length) {
      pending.push(Buffer.from(data.subarray(from)));
      pendingLength += data.length - from;
      if (pendingLength > maxLine) throw tooLong(number + 1);
    }
  }
  if (pendingLength > 0) yield { bytes: Buffer.concat(pending), number: number + 1, terminated: false };
}

function tooLong(number: number): KeylineError {
  return new KeylineError('ERR_MANIFEST_LINE_TOO_LONG', `line ${number} is longer than ${MAX_LINE_BYTES} bytes`);
}
