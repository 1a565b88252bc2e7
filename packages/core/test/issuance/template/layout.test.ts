import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as der from '../../../src/x509/der/writer.js';
import {
  compileLayout,
  computeLengths,
  element,
  headerSize,
  slot,
  writeHeader,
  writeLayout,
  type LayoutNode,
} from '../../../src/issuance/template/layout.js';

/** Encodes a layout directly with the DER writer, slots filled from `values`: the reference. */
function reference(node: LayoutNode, values: readonly Uint8Array[]): Uint8Array {
  if (node instanceof Uint8Array) return node;
  if ('slot' in node) return values[node.slot]!;
  return der.tlv(node.tag, der.concat(node.children.map((c) => reference(c, values))));
}

function fill(node: LayoutNode, values: readonly Uint8Array[], slotCount: number): Uint8Array {
  const layout = compileLayout(node);
  const slotLengths = new Int32Array(slotCount);
  values.forEach((v, i) => (slotLengths[i] = v.length));
  const contentLengths = new Int32Array(layout.elementCount);
  const total = computeLengths(layout, slotLengths, contentLengths);
  const out = new Uint8Array(total);
  const end = writeLayout(layout, out, 0, contentLengths, (s, buf, offset) => {
    buf.set(values[s]!, offset);
    return offset + values[s]!.length;
  });
  expect(end).toBe(total);
  return out;
}

describe('headers', () => {
  it('writes the same minimal headers as the DER writer (X.690 10.1)', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffff]) {
      const buf = new Uint8Array(6);
      const end = writeHeader(buf, 0, 0x30, n);
      expect(buf.subarray(0, end)).toEqual(der.header(0x30, n));
      expect(headerSize(n)).toBe(end);
    }
  });
});

describe('compileLayout', () => {
  it('folds constant subtrees and precomputes headers of fixed-length elements', () => {
    const node = element(
      0x30,
      der.int(1),
      element(0x30, der.nul()),
      element(0x04, slot(0, 20)),
      element(0x04, slot(1)),
    );
    const layout = compileLayout(node);
    // Only the root and the variable OCTET STRING have computed headers.
    expect(layout.elementCount).toBe(2);
    expect(layout.writes.map((w) => w.kind)).toEqual([1, 0, 2, 1, 2]);
    expect(layout.writes[1]!.bytes).toEqual(der.concat([der.int(1), der.seq(der.nul()), Uint8Array.of(0x04, 20)]));
  });

  it('gives a constant layout a constant length', () => {
    const layout = compileLayout(element(0x30, der.int(5)));
    expect(layout.root).toBe(-1);
    expect(fill(element(0x30, der.int(5)), [], 0)).toEqual(der.seq(der.int(5)));
  });

  it('crosses header-size boundaries (127/128, 255/256 content octets)', () => {
    const node = element(0x30, der.oid('1.2.3'), element(0xa0, element(0x0c, slot(0))), slot(1));
    for (const a of [0, 100, 120, 121, 122, 123, 124, 125, 126, 127, 128, 250, 251, 252, 253, 254, 255, 256, 300]) {
      const values = [new Uint8Array(a).fill(0x41), Uint8Array.of(5, 0)];
      expect(fill(node, values, 2)).toEqual(reference(node, values));
    }
  });
});

/** Random layouts over three slots (slot 2 fixed at 20 octets), as arbitrary trees. */
const layoutArb: fc.Arbitrary<LayoutNode> = fc.letrec<{ node: LayoutNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ minLength: 0, maxLength: 8 }).map((b) => der.octets(b) as LayoutNode),
    fc.constantFrom<LayoutNode>(slot(0), slot(1), slot(2, 20)),
    fc
      .tuple(fc.constantFrom(0x30, 0x31, 0x04, 0x0c, 0xa0, 0xa3, 0x86), fc.array(tie('node'), { maxLength: 4 }))
      .map(([tag, children]) => element(tag, ...children)),
  ),
})).node;

describe('property: compiled layouts encode like the DER writer', () => {
  it('matches on random trees and slot contents', () => {
    fc.assert(
      fc.property(
        layoutArb,
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 140 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (node, a, b, c) => {
          const values = [a, b, c];
          expect(fill(element(0x30, node), values, 3)).toEqual(reference(element(0x30, node), values));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
