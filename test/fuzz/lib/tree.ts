/**
 * A lenient DER tree for structure-aware mutation. The fuzzer parses a valid seed into nodes,
 * changes one node, and writes the tree back with every enclosing length recomputed, so that the
 * defect survives the outer length checks and reaches the decoders deep inside. OCTET STRING and
 * BIT STRING contents that are themselves DER (extension values, keys, signatures) are opened too.
 */
export interface DerNode {
  tag: number;
  /** Children of a constructed element, or the DER elements encapsulated in a string. */
  children?: DerNode[];
  /** For BIT STRING encapsulation: the unused-bits octet that precedes the children. */
  prefix?: Uint8Array;
  /** Content octets of a primitive element (absent when `children` is set). */
  content?: Uint8Array;
  /** When set, written instead of the computed length octets (length bombs, indefinite, non-minimal). */
  lengthOverride?: Uint8Array;
  /** When set, the node is these bytes verbatim (a spliced blob: deep nesting, garbage). */
  raw?: Uint8Array;
}

interface Header {
  tag: number;
  valueStart: number;
  end: number;
}

function header(buf: Uint8Array, pos: number, limit: number): Header | undefined {
  if (pos + 2 > limit) return undefined;
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  const first = buf[pos + 1]!;
  let p = pos + 2;
  let length = first;
  if (first === 0x80) return undefined;
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4 || p + n > limit) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[p + i]!;
    p += n;
  }
  if (p + length > limit) return undefined;
  return { tag, valueStart: p, end: p + length };
}

/** A sequence of elements filling `[start, end)` exactly, or undefined if the bytes are not that. */
function parseList(buf: Uint8Array, start: number, end: number, depth: number): DerNode[] | undefined {
  const out: DerNode[] = [];
  let pos = start;
  while (pos < end) {
    const h = header(buf, pos, end);
    if (h === undefined) return undefined;
    out.push(parseNode(buf, h, depth));
    pos = h.end;
  }
  return out;
}

function parseNode(buf: Uint8Array, h: Header, depth: number): DerNode {
  const content = buf.subarray(h.valueStart, h.end);
  if (depth < 40 && (h.tag & 0x20) !== 0) {
    const children = parseList(buf, h.valueStart, h.end, depth + 1);
    if (children !== undefined) return { tag: h.tag, children };
  }
  // Encapsulated DER: extnValue OCTET STRINGs, and BIT STRINGs holding an RSA key or a signature.
  if (depth < 40 && h.tag === 0x04 && content.length >= 2 && (content[0]! & 0x20) !== 0) {
    const children = parseList(buf, h.valueStart, h.end, depth + 1);
    if (children !== undefined && children.length === 1) return { tag: h.tag, children };
  }
  if (depth < 40 && h.tag === 0x03 && content.length >= 3 && content[0] === 0 && content[1] === 0x30) {
    const children = parseList(buf, h.valueStart + 1, h.end, depth + 1);
    if (children !== undefined && children.length === 1) return { tag: h.tag, children, prefix: Uint8Array.of(0) };
  }
  return { tag: h.tag, content: Uint8Array.from(content) };
}

/** Parses `buf` leniently; inputs that are not one well-formed element become a single opaque node. */
export function parseTree(buf: Uint8Array): DerNode {
  const h = header(buf, 0, buf.length);
  if (h === undefined || h.end !== buf.length) return { tag: 0, raw: Uint8Array.from(buf) };
  return parseNode(buf, h, 0);
}

export function lengthOctets(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  let v = length;
  while (v > 0) {
    bytes.unshift(v % 256);
    v = Math.floor(v / 256);
  }
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** Writes the tree back to bytes, recomputing every length except overridden ones. */
export function serialize(node: DerNode): Uint8Array {
  const parts: Uint8Array[] = [];
  write(node, parts);
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function write(node: DerNode, parts: Uint8Array[]): void {
  if (node.raw !== undefined) {
    parts.push(node.raw);
    return;
  }
  const body = encodeBody(node);
  parts.push(Uint8Array.of(node.tag), node.lengthOverride ?? lengthOctets(body.length), body);
}

function encodeBody(node: DerNode): Uint8Array {
  if (node.children === undefined) return node.content ?? new Uint8Array(0);
  const parts: Uint8Array[] = node.prefix === undefined ? [] : [node.prefix];
  for (const child of node.children) parts.push(serialize(child));
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A deep copy, so a mutation never touches the seed. */
export function cloneTree(node: DerNode): DerNode {
  const copy: DerNode = { tag: node.tag };
  if (node.children !== undefined) copy.children = node.children.map(cloneTree);
  if (node.prefix !== undefined) copy.prefix = node.prefix;
  if (node.content !== undefined) copy.content = node.content;
  if (node.lengthOverride !== undefined) copy.lengthOverride = node.lengthOverride;
  if (node.raw !== undefined) copy.raw = node.raw;
  return copy;
}

/** Every node with its parent (the root has none), in document order. */
export function allNodes(root: DerNode): Array<{ node: DerNode; parent: DerNode | undefined }> {
  const out: Array<{ node: DerNode; parent: DerNode | undefined }> = [];
  const stack: Array<{ node: DerNode; parent: DerNode | undefined }> = [{ node: root, parent: undefined }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    out.push(item);
    const children = item.node.children;
    if (children !== undefined) {
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, parent: item.node });
    }
  }
  return out;
}
