import { parseRequestHead, type RejectedHead, type RequestHead } from './request-head.js';

/** Heads remembered; clients send the same few heads over and over (same path, host, type, length). */
const SLOTS = 8;

/**
 * `parseRequestHead` for the head in `buffer[0, end)`, answered from the last few heads parsed
 * when the octets are the same: parsing is a pure function of those octets, so the result is the
 * same object the parser made for them, without making the head's string or parsing it again.
 * Only accepted heads are remembered (a rejected one ends its connection anyway).
 */
export class HeadMemo {
  private readonly bytes: (Buffer | undefined)[] = new Array<Buffer | undefined>(SLOTS).fill(undefined);
  private readonly heads: (RequestHead | undefined)[] = new Array<RequestHead | undefined>(SLOTS).fill(undefined);
  private next = 0;

  parse(buffer: Buffer, end: number): RequestHead | RejectedHead {
    for (let i = 0; i < SLOTS; i++) {
      const known = this.bytes[i];
      if (known !== undefined && known.length === end && sameOctets(buffer, known, end)) return this.heads[i]!;
    }
    const head = parseRequestHead(buffer.toString('latin1', 0, end));
    if (!('reason' in head)) {
      // A copy: the request's own buffer is the connection's and goes with it.
      this.bytes[this.next] = Buffer.from(buffer.subarray(0, end));
      this.heads[this.next] = head;
      this.next = (this.next + 1) % SLOTS;
    }
    return head;
  }
}

/**
 * Whether `a` and `b` agree on their first `length` octets. A loop in JavaScript beats Buffer#compare
 * with offsets for a head of a hundred octets (its argument checks cost more than the comparing);
 * from the end, where heads differ (Content-Length, X-Request-Id), so a miss is found at once.
 */
function sameOctets(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
