import { fail } from '../../errors/keyline-error.js';
import { readTlv, type Tlv } from './tlv.js';
import { isConstructed } from './tags.js';

/**
 * Walks the elements inside one constructed element (or a whole buffer), in order.
 * Structure decoders read top to bottom with it: `next`, `optional`, `expect`, then `finish`.
 */
export class DerCursor {
  private pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    private readonly what: string,
  ) {
    this.pos = start;
  }

  /** A cursor over the content of a constructed element. */
  static inside(buf: Uint8Array, tlv: Tlv, what: string): DerCursor {
    if (!isConstructed(tlv.tag)) fail('ERR_DER_UNEXPECTED_TAG', `${what} must be a constructed element`);
    return new DerCursor(buf, tlv.valueStart, tlv.end, what);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  get offset(): number {
    return this.pos;
  }

  /** The identifier octet of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  next(): Tlv {
    if (this.done) fail('ERR_DER_TRUNCATED', `${this.what} ends before an expected element`);
    const tlv = readTlv(this.buf, this.pos, this.end);
    this.pos = tlv.end;
    return tlv;
  }

  /** The next element, which must carry `tag`. */
  expect(tag: number, field: string): Tlv {
    const actual = this.peekTag();
    if (actual === undefined) fail('ERR_DER_TRUNCATED', `${this.what} is missing ${field}`);
    if (actual !== tag) {
      fail(
        'ERR_DER_UNEXPECTED_TAG',
        `${this.what}: ${field} has tag 0x${actual.toString(16)}, expected 0x${tag.toString(16)}`,
      );
    }
    return this.next();
  }

  /** The next element if it carries `tag`; otherwise nothing is consumed. */
  optional(tag: number): Tlv | undefined {
    return this.peekTag() === tag ? this.next() : undefined;
  }

  /** Every remaining element. */
  rest(): Tlv[] {
    const out: Tlv[] = [];
    while (!this.done) out.push(this.next());
    return out;
  }

  /** Asserts nothing is left: DER structures have no room for trailing data. */
  finish(): void {
    if (!this.done) fail('ERR_DER_TRAILING_BYTES', `${this.what} has unexpected data after its last field`);
  }
}
