import * as der from '../../x509/der/writer.js';

/**
 * A DER layout with holes: the shape of a structure whose bytes are mostly fixed, compiled once so
 * that filling the holes costs only their own bytes plus the headers whose lengths they change.
 *
 * A node is either constant bytes, a slot (variable content octets written by the caller, with
 * an optional fixed length), or an element (a tag around children). Compiling folds every subtree
 * without a slot into constant bytes, precomputes the header of every element whose length cannot
 * change, and leaves only the elements on the path from a variable-length slot to the root as
 * headers to compute per instance (DER lengths are minimal, X.690 10.1, so a header's size depends
 * on its content length).
 */
export type LayoutNode = Uint8Array | LayoutSlot | LayoutElement;

export interface LayoutSlot {
  readonly slot: number;
  /** The content length when it never changes (a P-256 point, a SHA-1 key identifier). */
  readonly fixedLength?: number;
}

export interface LayoutElement {
  /** The identifier octet (low tag numbers only, as everywhere in X.509). */
  readonly tag: number;
  readonly children: readonly LayoutNode[];
}

/** A slot hole in a layout. */
export function slot(id: number, fixedLength?: number): LayoutSlot {
  return fixedLength === undefined ? { slot: id } : { slot: id, fixedLength };
}

/** An element of `tag` around `children`. */
export function element(tag: number, ...children: LayoutNode[]): LayoutElement {
  return { tag, children };
}

/** One step of the write program: constant bytes, a computed header, or a slot's content. */
export interface WriteOp {
  /** 0 = constant bytes, 1 = header of variable element `index`, 2 = content of slot `index`. */
  readonly kind: 0 | 1 | 2;
  readonly bytes: Uint8Array;
  readonly tag: number;
  readonly index: number;
}

/** How to compute one variable element's content length: a constant base plus its variable children. */
export interface LengthStep {
  readonly element: number;
  readonly base: number;
  readonly slots: readonly number[];
  readonly elements: readonly number[];
}

/** A compiled layout: run `lengths` (post-order) then `writes` (document order). */
export interface CompiledLayout {
  readonly lengths: readonly LengthStep[];
  readonly writes: readonly WriteOp[];
  /** How many variable elements `lengths` computes (size of the scratch length table). */
  readonly elementCount: number;
  /** Index of the root element in the length table, or -1 when the root's length is constant. */
  readonly root: number;
  /** The root's total length when it is constant. */
  readonly constantLength: number;
}

/** Size of a DER header (identifier + length octets) for `length` content octets. */
export function headerSize(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
}

/** Writes a DER header at `offset`; returns the offset after it. */
export function writeHeader(buf: Uint8Array, offset: number, tag: number, length: number): number {
  buf[offset++] = tag;
  if (length < 0x80) {
    buf[offset++] = length;
  } else if (length < 0x100) {
    buf[offset++] = 0x81;
    buf[offset++] = length;
  } else if (length < 0x10000) {
    buf[offset++] = 0x82;
    buf[offset++] = length >> 8;
    buf[offset++] = length & 0xff;
  } else {
    buf[offset++] = 0x83;
    buf[offset++] = length >> 16;
    buf[offset++] = (length >> 8) & 0xff;
    buf[offset++] = length & 0xff;
  }
  return offset;
}

interface Folded {
  /** Constant bytes when the whole subtree is constant. */
  readonly constant?: Uint8Array;
  /** Length when it is fixed (constant subtrees included). */
  readonly fixedLength?: number;
  /** Index in the length table when the length varies. */
  readonly variable?: number;
  /** Slot id when this node is a variable-length slot. */
  readonly slot?: number;
}

/** Compiles `root` (normally an element) into length and write programs. */
export function compileLayout(root: LayoutNode): CompiledLayout {
  const lengths: LengthStep[] = [];
  const writes: WriteOp[] = [];
  let elementCount = 0;
  let pending: Uint8Array[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    writes.push({ kind: 0, bytes: der.concat(pending), tag: 0, index: -1 });
    pending = [];
  };
  const emitConstant = (bytes: Uint8Array): void => {
    if (bytes.length > 0) pending.push(bytes);
  };

  // First pass: which subtrees are constant (folded to bytes) and which lengths are fixed.
  const constantOf = (node: LayoutNode): Uint8Array | undefined => {
    if (node instanceof Uint8Array) return node;
    if ('slot' in node) return undefined;
    const parts: Uint8Array[] = [];
    for (const child of node.children) {
      const c = constantOf(child);
      if (c === undefined) return undefined;
      parts.push(c);
    }
    return der.tlv(node.tag, der.concat(parts));
  };
  const fixedLengthOf = (node: LayoutNode): number | undefined => {
    if (node instanceof Uint8Array) return node.length;
    if ('slot' in node) return node.fixedLength;
    const content = fixedContentOf(node);
    return content === undefined ? undefined : headerSize(content) + content;
  };
  const fixedContentOf = (node: LayoutElement): number | undefined => {
    let content = 0;
    for (const child of node.children) {
      const n = fixedLengthOf(child);
      if (n === undefined) return undefined;
      content += n;
    }
    return content;
  };

  // Second pass, in document order: emit writes; length steps are pushed after their children (post-order).
  const visit = (node: LayoutNode): Folded => {
    if (node instanceof Uint8Array) {
      emitConstant(node);
      return { constant: node, fixedLength: node.length };
    }
    const constant = constantOf(node);
    if (constant !== undefined) {
      emitConstant(constant);
      return { constant, fixedLength: constant.length };
    }
    if ('slot' in node) {
      flush();
      writes.push({ kind: 2, bytes: EMPTY, tag: 0, index: node.slot });
      return node.fixedLength === undefined ? { slot: node.slot } : { fixedLength: node.fixedLength };
    }
    const fixedContent = fixedContentOf(node);
    if (fixedContent !== undefined) {
      // Its length cannot change, so its header is constant bytes too.
      emitConstant(der.header(node.tag, fixedContent));
      for (const child of node.children) visit(child);
      return { fixedLength: headerSize(fixedContent) + fixedContent };
    }
    const index = elementCount++;
    flush();
    writes.push({ kind: 1, bytes: EMPTY, tag: node.tag, index });
    let base = 0;
    const slots: number[] = [];
    const elements: number[] = [];
    for (const child of node.children) {
      const folded = visit(child);
      if (folded.fixedLength !== undefined) base += folded.fixedLength;
      else if (folded.slot !== undefined) slots.push(folded.slot);
      else if (folded.variable !== undefined) elements.push(folded.variable);
    }
    lengths.push({ element: index, base, slots, elements });
    return { variable: index };
  };

  const top = visit(root);
  flush();
  return {
    lengths,
    writes,
    elementCount,
    root: top.variable ?? -1,
    constantLength: top.fixedLength ?? -1,
  };
}

const EMPTY = new Uint8Array(0);

/**
 * Fills `contentLengths` (one entry per variable element) from the slots' lengths and returns the
 * total encoded length of the layout.
 */
export function computeLengths(layout: CompiledLayout, slotLengths: Int32Array, contentLengths: Int32Array): number {
  const steps = layout.lengths;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    let length = step.base;
    for (let j = 0; j < step.slots.length; j++) length += slotLengths[step.slots[j]!]!;
    for (let j = 0; j < step.elements.length; j++) {
      const inner = contentLengths[step.elements[j]!]!;
      length += headerSize(inner) + inner;
    }
    contentLengths[step.element] = length;
  }
  if (layout.root < 0) return layout.constantLength;
  const rootContent = contentLengths[layout.root]!;
  return headerSize(rootContent) + rootContent;
}

/** Writes the content octets of `slot` at `offset` and returns the offset after them. */
export type SlotWriter = (slot: number, buf: Uint8Array, offset: number) => number;

/** Writes the layout at `offset` using lengths from `computeLengths`; returns the end offset. */
export function writeLayout(
  layout: CompiledLayout,
  buf: Uint8Array,
  offset: number,
  contentLengths: Int32Array,
  writeSlot: SlotWriter,
): number {
  const writes = layout.writes;
  for (let i = 0; i < writes.length; i++) {
    const op = writes[i]!;
    if (op.kind === 0) {
      buf.set(op.bytes, offset);
      offset += op.bytes.length;
    } else if (op.kind === 1) {
      offset = writeHeader(buf, offset, op.tag, contentLengths[op.index]!);
    } else {
      offset = writeSlot(op.index, buf, offset);
    }
  }
  return offset;
}
