import { randomFillSync } from 'node:crypto';
import type { OcspCachedAnswer } from '../../ca/service-port.js';

/**
 * The bytes of the listener's commonest answer, a pre-signed response from the cache on a kept-alive
 * HTTP/1.1 connection, assembled from parts made once instead of a head string per request:
 *
 *   [status line, fixed headers, Date, "X-Request-Id: "]   made once per second (the Date changes)
 *   [the request id]                                       per request: the client's or a random UUID
 *   ["\r\nContent-Length: n\r\n\r\n", the DER response]    made once per cached response
 *
 * The result is byte for byte what listener.ts's general path writes for the same answer.
 */

/** The fixed part of every OCSP answer's head after the status line (the same headers as the Fastify route's). */
export const OCSP_HEADERS =
  'Content-Type: application/ocsp-response\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** UUIDs per refill of the random pool (16 KiB: one CSPRNG call per thousand answers). */
const POOL_UUIDS = 1024;
const HYPHEN = 0x2d;

/**
 * Random (version 4, RFC 9562) UUIDs written as lower-case text straight into an output buffer, as
 * crypto.randomUUID() formats them, without making a string per request. The entropy comes from
 * the CSPRNG in blocks (randomFillSync), as randomUUID's own buffer does.
 */
export class UuidWriter {
  private readonly pool = Buffer.allocUnsafe(16 * POOL_UUIDS);
  private offset = this.pool.length;

  /** Writes 36 octets at `at`. */
  write(out: Uint8Array, at: number): void {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const pool = this.pool;
    const from = this.offset;
    this.offset += 16;
    let w = at;
    for (let i = 0; i < 16; i++) {
      let b = pool[from + i]!;
      if (i === 6)
        b = (b & 0x0f) | 0x40; // version 4
      else if (i === 8) b = (b & 0x3f) | 0x80; // variant 10
      if (i === 4 || i === 6 || i === 8 || i === 10) out[w++] = HYPHEN;
      out[w++] = HEX[b >> 4]!;
      out[w++] = HEX[b & 0x0f]!;
    }
  }
}

export const UUID_LENGTH = 36;

/** The head up to the request id of a 200 answer, for the HTTP date `date`. */
export function okPrefix(date: string): Buffer {
  return Buffer.from(`HTTP/1.1 200 OK\r\n${OCSP_HEADERS}Date: ${date}\r\nX-Request-Id: `, 'latin1');
}

/**
 * What follows the request id in the answer carrying `answer` on a kept-alive HTTP/1.1 connection
 * (no Connection header), made once per cached response: the responder hands out the same
 * `OcspCachedAnswer` object for as long as it serves that response, and a re-signed response is a
 * new object (the old one's bytes go with it, a WeakMap).
 */
export class AnswerTails {
  private readonly tails = new WeakMap<OcspCachedAnswer, Buffer>();

  of(answer: OcspCachedAnswer): Buffer {
    let tail = this.tails.get(answer);
    if (tail === undefined) {
      const body = answer.der;
      const text = `\r\nContent-Length: ${body.byteLength}\r\n\r\n`;
      tail = Buffer.allocUnsafeSlow(text.length + body.byteLength);
      tail.write(text, 0, 'latin1');
      tail.set(body, text.length);
      this.tails.set(answer, tail);
    }
    return tail;
  }
}
