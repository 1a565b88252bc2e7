import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isKeylineError } from '../../../src/errors/keyline-error.js';
import {
  bitStringFromContent,
  checkBitStringAt,
  checkIntegerAt,
  checkIntegerContent,
  oidAt,
  oidFromContent,
} from '../../../src/x509/der/primitives.js';
import { checkAsciiStringAt, stringFromContent } from '../../../src/x509/der/strings.js';
import { Tag } from '../../../src/x509/der/tags.js';
import { parseDer } from '../../../src/x509/der/validate.js';

/** What `fn` ends with: its value, or the KeylineError code and message it throws. */
function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (error) {
    if (!isKeylineError(error)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** `content` inside a larger buffer, with junk either side: the in-place checks must read only their range. */
function embedded(content: Uint8Array, before: Uint8Array, after: Uint8Array): [Uint8Array, number, number] {
  const buf = new Uint8Array(before.length + content.length + after.length);
  buf.set(before, 0);
  buf.set(content, before.length);
  buf.set(after, before.length + content.length);
  return [buf, before.length, before.length + content.length];
}

/** An independent reading of X.690 8.19 with Keyline's bounds (arcs < 2^64, the arc under 2.25 < 2^128). */
function referenceOid(content: Uint8Array): unknown {
  if (content.length === 0) return { code: 'ERR_DER_BAD_OID' };
  if (content.length > 128) return { code: 'ERR_DER_OID_TOO_LONG' };
  if ((content[content.length - 1]! & 0x80) !== 0) return { code: 'ERR_DER_BAD_OID' };
  const values: bigint[] = [];
  let value = 0n;
  let start = true;
  for (const byte of content) {
    if (start && byte === 0x80) return { code: 'ERR_DER_BAD_OID' };
    value = (value << 7n) | BigInt(byte & 0x7f);
    const uuidArc = values.length === 1 && values[0] === 105n;
    if (value >= 1n << (uuidArc ? 128n : 64n)) return { code: 'ERR_DER_OID_ARC_TOO_LARGE' };
    start = (byte & 0x80) === 0;
    if (start) {
      values.push(value);
      value = 0n;
    }
  }
  const first = values[0]! < 40n ? 0n : values[0]! < 80n ? 1n : 2n;
  return { value: [first, values[0]! - first * 40n, ...values.slice(1)].join('.') };
}

const codeOnly = (o: unknown): unknown => {
  const r = o as { code?: string; value?: unknown };
  return r.code !== undefined ? { code: r.code } : r;
};

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });
/** OID-like contents: mostly small arcs, some long ones, some bad bytes. */
const oidContent = fc.oneof(
  bytes(24),
  fc
    .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 40 })
    .map((a) => Uint8Array.from(a)),
  fc.uint8Array({ minLength: 1, maxLength: 30 }).map((a) => Uint8Array.from([0x69, ...a.map((b) => b | 0x80), 0x01])),
);

describe('in-place DER checks agree with the decoders they stand for', () => {
  it('oidAt reads only its range and answers as an independent OID reading (memoised or not)', () => {
    fc.assert(
      fc.property(oidContent, bytes(6), bytes(6), (content, before, after) => {
        const expected = referenceOid(content);
        const [buf, start, end] = embedded(content, before, after);
        // Twice each: the second call may be answered from the memo.
        for (let round = 0; round < 2; round++) {
          expect(codeOnly(outcome(() => oidAt(buf, start, end)))).toEqual(expected);
          expect(codeOnly(outcome(() => oidFromContent(content.slice())))).toEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('oidAt tells apart OIDs that differ in one octet, from the memo too', () => {
    const a = Uint8Array.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]);
    const b = Uint8Array.from([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03]);
    for (let round = 0; round < 3; round++) {
      expect(oidAt(a, 0, a.length)).toBe('1.2.840.10045.4.3.2');
      expect(oidAt(b, 0, b.length)).toBe('1.2.840.10045.4.3.3');
      expect(oidAt(b, 1, b.length)).not.toBe(oidAt(b, 0, b.length));
    }
  });

  it('checkIntegerAt and checkBitStringAt refuse exactly what the content decoders refuse, with the same error', () => {
    fc.assert(
      fc.property(bytes(5), bytes(4), bytes(4), (content, before, after) => {
        const [buf, start, end] = embedded(content, before, after);
        expect(outcome(() => checkIntegerAt(buf, start, end))).toEqual(outcome(() => checkIntegerContent(content)));
        const decoded = outcome(() => bitStringFromContent(content)) as { code?: string };
        const checked = outcome(() => checkBitStringAt(buf, start, end)) as { code?: string };
        expect(checked.code === undefined ? undefined : checked).toEqual(
          decoded.code === undefined ? undefined : decoded,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('checkAsciiStringAt refuses exactly the PrintableString and IA5String contents stringFromContent refuses', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 12 }).map((s) => Uint8Array.from(Buffer.from(s, 'latin1'))),
      fc.constantFrom(...'AZaz09 \'()+,-./:=?*@&_"\n\x7f\x80\xff'.split('')).map((c) => Uint8Array.of(c.charCodeAt(0))),
      bytes(8),
    );
    fc.assert(
      fc.property(
        text,
        bytes(3),
        bytes(3),
        fc.constantFrom(Tag.PRINTABLE_STRING, Tag.IA5_STRING),
        (content, b, a, tag) => {
          const [buf, start, end] = embedded(content, b, a);
          const decoded = outcome(() => stringFromContent(tag, content)) as { code?: string };
          const checked = outcome(() => checkAsciiStringAt(tag, buf, start, end)) as { code?: string };
          expect(checked.code === undefined ? undefined : checked).toEqual(
            decoded.code === undefined ? undefined : decoded,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('parseDer refuses a primitive element exactly when its content decoder does', () => {
    const tags = [Tag.INTEGER, Tag.BIT_STRING, Tag.OID, Tag.PRINTABLE_STRING, Tag.IA5_STRING, Tag.BOOLEAN, Tag.NULL];
    fc.assert(
      fc.property(fc.constantFrom(...tags), bytes(20), (tag, content) => {
        const element = Uint8Array.from([tag, content.length, ...content]);
        const parsed = outcome(() => parseDer(element)) as { code?: string };
        const decode = (): unknown => {
          switch (tag) {
            case Tag.INTEGER:
              return checkIntegerContent(content);
            case Tag.BIT_STRING:
              return bitStringFromContent(content);
            case Tag.OID:
              return oidFromContent(content);
            case Tag.BOOLEAN:
              if (content.length !== 1 || (content[0] !== 0 && content[0] !== 0xff)) return 'ERR_DER_BAD_BOOLEAN';
              return undefined;
            case Tag.NULL:
              return content.length === 0 ? undefined : 'ERR_DER_BAD_NULL';
            default:
              return stringFromContent(tag, content);
          }
        };
        const direct = outcome(decode) as { code?: string; value?: unknown };
        const expectedCode =
          direct.code ??
          (typeof direct.value === 'string' && direct.value.startsWith('ERR_') ? direct.value : undefined);
        expect(parsed.code).toBe(expectedCode);
      }),
      { numRuns: 2000 },
    );
  });
});
