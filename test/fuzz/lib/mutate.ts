import type { Rng } from './rng.js';
import { allNodes, cloneTree, lengthOctets, parseTree, serialize, type DerNode } from './tree.js';

/** What a generator may draw on: the target's valid seeds, already parsed into trees. */
export interface SeedPool {
  readonly seeds: readonly Uint8Array[];
  readonly trees: readonly DerNode[];
}

export function seedPool(seeds: readonly Uint8Array[]): SeedPool {
  return { seeds, trees: seeds.map(parseTree) };
}

/** One way of making a hostile input from the seeds. */
export interface Generator {
  readonly name: string;
  /** Relative frequency among the generators of a run. */
  readonly weight: number;
  make(rng: Rng, pool: SeedPool): Uint8Array;
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x88, 0xfe, 0xff, 0x30, 0x31, 0x1f];

const TAGS = [
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0c, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a, 0x1c, 0x1e, 0x30, 0x31, 0x80,
  0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa8, 0x23, 0x24, 0x1f,
];

function pickSeed(rng: Rng, pool: SeedPool): Uint8Array {
  return pool.seeds.length === 0 ? rng.bytes(rng.smallLength(64)) : rng.pick(pool.seeds);
}

function pickTree(rng: Rng, pool: SeedPool): DerNode {
  return pool.trees.length === 0 ? { tag: 0x30, children: [] } : cloneTree(rng.pick(pool.trees));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
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

function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(tag), lengthOctets(content.length), content]);
}

// ---------------------------------------------------------------------------------------------
// Building blocks that other generators (and the vitest variant) reuse.

const nestingCache = new Map<string, Uint8Array>();
const innerIds = new WeakMap<Uint8Array, number>();
let nextInnerId = 0;

/** A cache key for an inner element: the seeds are few and long-lived, so identity is enough. */
function innerId(inner: Uint8Array): string {
  if (inner.length <= 16) return Buffer.from(inner).toString('hex');
  let id = innerIds.get(inner);
  if (id === undefined) {
    id = nextInnerId++;
    innerIds.set(inner, id);
  }
  return `#${id}`;
}

/**
 * `depth` constructed elements nested in one another around `inner`, written front to back in one
 * buffer (building it by repeated wrapping would copy quadratically). With `indefinite`, every level
 * uses the BER indefinite form and ends with 00 00.
 */
export function deepNesting(
  depth: number,
  tag = 0x30,
  indefinite = false,
  inner: Uint8Array = Uint8Array.of(0x05, 0x00),
): Uint8Array {
  const key = `${depth}:${tag}:${indefinite}:${innerId(inner)}`;
  const cached = nestingCache.get(key);
  if (cached !== undefined) return cached;
  let out: Uint8Array;
  if (indefinite) {
    out = new Uint8Array(depth * 4 + inner.length);
    for (let i = 0; i < depth; i++) {
      out[i * 2] = tag;
      out[i * 2 + 1] = 0x80;
    }
    out.set(inner, depth * 2);
    // The end-of-contents octets are already zero.
  } else {
    // lengths[i] is the content length of level i (0 = outermost).
    const lengths = new Array<number>(depth);
    let size = inner.length;
    for (let i = depth - 1; i >= 0; i--) {
      lengths[i] = size;
      size += 1 + lengthOctets(size).length;
    }
    out = new Uint8Array(size);
    let pos = 0;
    for (let i = 0; i < depth; i++) {
      out[pos++] = tag;
      const len = lengthOctets(lengths[i]!);
      out.set(len, pos);
      pos += len.length;
    }
    out.set(inner, pos);
  }
  if (nestingCache.size < 64) nestingCache.set(key, out);
  return out;
}

/** OID content octets that break a rule: an arc of 2^64 or more, oversize, non-minimal, cut mid-arc. */
export function hostileOidContent(rng: Rng): Uint8Array {
  const base128 = (value: bigint): number[] => {
    const out = [Number(value & 0x7fn)];
    let v = value >> 7n;
    while (v > 0n) {
      out.unshift(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    return out;
  };
  switch (rng.below(8)) {
    case 0:
      return Uint8Array.from([0x2a, ...base128(1n << 64n)]);
    case 1:
      return Uint8Array.from([0x2a, ...base128((1n << 64n) - 1n)]);
    case 2:
      return Uint8Array.from([0x2a, ...base128(1n << BigInt(rng.between(65, 4000)))]);
    case 3: {
      // Hundreds of kilobytes of continuation octets.
      const body = new Uint8Array(rng.between(100_000, 400_000)).fill(0x81);
      body[body.length - 1] = 0x01;
      return body;
    }
    case 4: {
      const arcs: number[] = [0x2a];
      const n = rng.between(20, 300);
      for (let i = 0; i < n; i++) arcs.push(...base128(BigInt(rng.u32())));
      return Uint8Array.from(arcs);
    }
    case 5:
      return Uint8Array.of(0x2a, 0x80, 0x01);
    case 6:
      return Uint8Array.of(0x2a, 0x86);
    default:
      return new Uint8Array(0);
  }
}

/** Length octets that lie: bombs near 2^32, lengths past the buffer, non-minimal and indefinite forms. */
export function hostileLength(rng: Rng, actual: number): Uint8Array {
  switch (rng.below(12)) {
    case 0:
      return Uint8Array.of(0x84, 0xff, 0xff, 0xff, 0xff);
    case 1:
      return Uint8Array.of(0x84, 0x80, 0x00, 0x00, 0x00);
    case 2:
      return Uint8Array.of(0x85, 0x01, 0x00, 0x00, 0x00, 0x00);
    case 3:
      return Uint8Array.of(0x88, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00);
    case 4:
      return Uint8Array.of(0x80);
    case 5:
      return lengthOctets(actual + rng.between(1, 3));
    case 6:
      return lengthOctets(actual + rng.between(4, 1 << 20));
    case 7:
      return lengthOctets(Math.max(0, actual - rng.between(1, 4)));
    case 8:
      // Non-minimal: long form for a short length, or a leading zero octet.
      return actual < 0x80
        ? Uint8Array.of(0x81, actual)
        : concat([Uint8Array.of(0x80 | 3, 0), lengthOctets(actual).subarray(1)]);
    case 9:
      return Uint8Array.of(0x84, 0x00, 0x00, 0x00, actual & 0x7f);
    case 10:
      return Uint8Array.of(0xff);
    default:
      return Uint8Array.of(0x84, (actual >>> 24) | 0x7f, 0xff, 0xff, 0xfe);
  }
}

/** Content that breaks a universal type's rules, or sits at the edge of what they allow. */
function hostileContent(rng: Rng, tag: number): Uint8Array {
  switch (tag) {
    case 0x02:
      return rng.pick([
        new Uint8Array(0),
        Uint8Array.of(0),
        Uint8Array.of(0, 0),
        Uint8Array.of(0, 0x7f),
        Uint8Array.of(0xff, 0x80),
        Uint8Array.of(0x80),
        Uint8Array.of(0xff),
        concat([Uint8Array.of(0x01), rng.bytes(20)]),
        concat([Uint8Array.of(0x00, 0x80), rng.bytes(19)]),
        concat([Uint8Array.of(0x7f), rng.bytes(rng.between(8, 600))]),
      ]);
    case 0x17:
    case 0x18:
      return new TextEncoder().encode(
        rng.pick([
          '',
          'Z',
          '250101000000',
          '2501010000Z',
          '250101000000+0100',
          '251301000000Z',
          '250230000000Z',
          '250101240000Z',
          '250101235960Z',
          '2501010000000Z',
          '20250101000000Z',
          '20250101000000.5Z',
          '20250101000000.Z',
          '20250101000000.000Z',
          '2025010100000Z',
          '99991231235959Z',
          '00000101000000Z',
          '2025010100000aZ',
          '２０２５0101000000Z',
          '-0250101000000Z',
        ]),
      );
    case 0x01:
      return rng.pick([new Uint8Array(0), Uint8Array.of(0x01), Uint8Array.of(0x00), Uint8Array.of(0xff, 0xff)]);
    case 0x03:
      return rng.pick([
        new Uint8Array(0),
        Uint8Array.of(8, 0),
        Uint8Array.of(1),
        Uint8Array.of(3, 0xff),
        Uint8Array.of(0, 0x30, 0x80),
      ]);
    case 0x06:
      return hostileOidContent(rng);
    case 0x0c:
    case 0x13:
    case 0x16:
    case 0x1e:
    case 0x1c:
      return rng.pick([
        Uint8Array.of(0xff),
        Uint8Array.of(0xc0, 0x80),
        Uint8Array.of(0xed, 0xa0, 0x80),
        Uint8Array.of(0x00),
        Uint8Array.of(0x40),
        Uint8Array.of(0x00, 0xd8),
        Uint8Array.of(0x00, 0x11, 0x00, 0x00),
        Uint8Array.of(0x01),
        new Uint8Array(rng.between(1000, 70_000)).fill(0x41),
      ]);
    default:
      return rng.bytes(rng.smallLength(300));
  }
}

/** A random element shaped like DER (tags X.509 uses, consistent lengths), up to a small depth. */
export function randomDerElement(rng: Rng, depth = 0): Uint8Array {
  const tag = rng.pick(TAGS);
  if ((tag & 0x20) !== 0 && depth < 6) {
    const n = rng.smallLength(6);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < n; i++) parts.push(randomDerElement(rng, depth + 1));
    return tlv(tag, concat(parts));
  }
  return tlv(tag, rng.chance(0.5) ? hostileContent(rng, tag) : rng.bytes(rng.smallLength(40)));
}

function pickNode(rng: Rng, root: DerNode): { node: DerNode; parent: DerNode | undefined } {
  return rng.pick(allNodes(root));
}

// ---------------------------------------------------------------------------------------------
// The generators.

const randomBytes: Generator = {
  name: 'random-bytes',
  weight: 2,
  make: (rng) => rng.bytes(rng.smallLength(2048)),
};

const randomDer: Generator = {
  name: 'random-der',
  weight: 2,
  make: (rng) => randomDerElement(rng),
};

const truncate: Generator = {
  name: 'truncate',
  weight: 2,
  make: (rng, pool) => {
    const seed = pickSeed(rng, pool);
    return seed.slice(0, rng.below(seed.length));
  },
};

const byteMutation: Generator = {
  name: 'byte-mutation',
  weight: 3,
  make: (rng, pool) => {
    const out = Uint8Array.from(pickSeed(rng, pool));
    if (out.length === 0) return out;
    const pos = rng.below(out.length);
    switch (rng.below(3)) {
      case 0:
        out[pos] = rng.byte();
        break;
      case 1:
        out[pos] = out[pos]! ^ (1 << rng.below(8));
        break;
      default:
        out[pos] = rng.pick(INTERESTING_BYTES);
    }
    return out;
  },
};

const multiByteMutation: Generator = {
  name: 'multi-byte-mutation',
  weight: 3,
  make: (rng, pool) => {
    let out: Uint8Array = Uint8Array.from(pickSeed(rng, pool));
    const n = rng.between(2, 32);
    for (let i = 0; i < n && out.length > 0; i++) {
      const pos = rng.below(out.length);
      switch (rng.below(5)) {
        case 0:
          out[pos] = rng.byte();
          break;
        case 1:
          out[pos] = rng.pick(INTERESTING_BYTES);
          break;
        case 2:
          out = concat([out.subarray(0, pos), rng.bytes(rng.between(1, 8)), out.subarray(pos)]);
          break;
        case 3:
          out = concat([out.subarray(0, pos), out.subarray(Math.min(out.length, pos + rng.between(1, 8)))]);
          break;
        default: {
          // Copy a run of the input over another place (repeats headers, swaps fields).
          const from = rng.below(out.length);
          const len = Math.min(rng.between(1, 16), out.length - from, out.length - pos);
          out.copyWithin(pos, from, from + len);
        }
      }
    }
    return out;
  },
};

const lengthBomb: Generator = {
  name: 'length-bomb',
  weight: 3,
  make: (rng, pool) => {
    const root = pickTree(rng, pool);
    const { node } = pickNode(rng, root);
    const actual = serialize(node).length;
    node.lengthOverride = hostileLength(rng, actual);
    const out = serialize(root);
    // An indefinite length wants its end-of-contents octets somewhere; sometimes give them.
    return node.lengthOverride[0] === 0x80 && rng.chance(0.5) ? concat([out, Uint8Array.of(0, 0)]) : out;
  },
};

const treeMutation: Generator = {
  name: 'tree-mutation',
  weight: 6,
  make: (rng, pool) => {
    const root = pickTree(rng, pool);
    const rounds = rng.chance(0.7) ? 1 : rng.between(2, 5);
    for (let r = 0; r < rounds; r++) mutateNode(rng, root, pool);
    return serialize(root);
  },
};

function mutateNode(rng: Rng, root: DerNode, pool: SeedPool): void {
  const { node, parent } = pickNode(rng, root);
  const siblings = parent?.children;
  const index = siblings?.indexOf(node) ?? -1;
  switch (rng.below(11)) {
    case 0:
      node.tag = rng.chance(0.5) ? rng.pick(TAGS) : rng.byte();
      return;
    case 1:
      delete node.children;
      delete node.prefix;
      node.content = hostileContent(rng, node.tag);
      return;
    case 2:
      if (siblings !== undefined) siblings.splice(index, 1);
      return;
    case 3:
      if (siblings !== undefined) siblings.splice(index, 0, cloneTree(node));
      return;
    case 4:
      if (siblings !== undefined && siblings.length > 1) {
        const other = rng.below(siblings.length);
        [siblings[index], siblings[other]] = [siblings[other]!, siblings[index]!];
      }
      return;
    case 5:
      if (siblings !== undefined)
        siblings.splice(rng.below(siblings.length + 1), 0, { tag: 0, raw: randomDerElement(rng) });
      return;
    case 6: {
      // Splice in a subtree from any seed (an extension where a name belongs, and so on).
      const donor = pickNode(rng, pickTree(rng, pool)).node;
      replace(node, donor);
      return;
    }
    case 7:
      replace(node, { tag: 0, raw: deepNesting(rng.pick([30, 100, 1000, 5000]), rng.pick([0x30, 0x31, 0xa0, 0xa3])) });
      return;
    case 8:
      replace(node, { tag: 0x06, content: hostileOidContent(rng) });
      return;
    case 9:
      if (node.content !== undefined && node.content.length > 0) {
        const c = Uint8Array.from(node.content);
        c[rng.below(c.length)] = rng.chance(0.5) ? rng.byte() : rng.pick(INTERESTING_BYTES);
        node.content = c;
      } else if (node.children !== undefined) {
        node.children.push({ tag: 0, raw: randomDerElement(rng) });
      }
      return;
    default:
      if (node.content !== undefined) {
        node.content = node.content.subarray(0, rng.below(node.content.length + 1));
      } else if (node.children !== undefined && node.children.length > 0) {
        node.children.length = rng.below(node.children.length);
      }
  }
}

function replace(target: DerNode, source: DerNode): void {
  const copy = cloneTree(source);
  for (const key of ['children', 'prefix', 'content', 'lengthOverride', 'raw'] as const) delete target[key];
  Object.assign(target, copy);
}

const deepNest: Generator = {
  name: 'deep-nesting',
  weight: 1,
  make: (rng, pool) => {
    const depth = rng.pick([25, 33, 100, 1000, 5000, 20_000]);
    const tag = rng.pick([0x30, 0x31, 0xa0, 0xa3, 0x24]);
    const indefinite = rng.chance(0.2);
    if (rng.chance(0.5)) return deepNesting(depth, tag, indefinite);
    return deepNesting(depth, tag, indefinite, pickSeed(rng, pool));
  },
};

const hugeOid: Generator = {
  name: 'huge-oid',
  weight: 1,
  make: (rng, pool) => {
    const root = pickTree(rng, pool);
    const oids = allNodes(root).filter((n) => n.node.tag === 0x06);
    const target = oids.length > 0 && rng.chance(0.8) ? rng.pick(oids).node : pickNode(rng, root).node;
    replace(target, { tag: 0x06, content: hostileOidContent(rng) });
    return serialize(root);
  },
};

/**
 * INTEGER and ENUMERATED contents tens of kilobytes long (and implicitly tagged counts such as
 * SkipCerts and BaseDistance): a decoder that converts before it bounds does quadratic bigint work.
 */
const hugeInteger: Generator = {
  name: 'huge-integer',
  weight: 1,
  make: (rng, pool) => {
    const root = pickTree(rng, pool);
    const integers = allNodes(root).filter(
      (n) => n.node.content !== undefined && [0x02, 0x0a, 0x80, 0x81].includes(n.node.tag),
    );
    const target = integers.length > 0 && rng.chance(0.9) ? rng.pick(integers).node : pickNode(rng, root).node;
    const content = rng.bytes(rng.pick([1_000, 10_000, 40_000, 100_000]));
    content[0] = (content[0]! & 0x7f) | 0x01;
    replace(target, { tag: target.content !== undefined ? target.tag : 0x02, content });
    return serialize(root);
  },
};

const trailing: Generator = {
  name: 'trailing-bytes',
  weight: 1,
  make: (rng, pool) =>
    concat([pickSeed(rng, pool), rng.chance(0.5) ? Uint8Array.of(0) : rng.bytes(rng.between(1, 64))]),
};

/** Every generic generator, for byte-oriented targets. */
export const GENERATORS: readonly Generator[] = [
  randomBytes,
  randomDer,
  truncate,
  byteMutation,
  multiByteMutation,
  lengthBomb,
  treeMutation,
  deepNest,
  hugeOid,
  hugeInteger,
  trailing,
];

/** A weighted choice among `generators`. */
export function chooseGenerator(rng: Rng, generators: readonly Generator[]): Generator {
  let total = 0;
  for (const g of generators) total += g.weight;
  let r = rng.below(total);
  for (const g of generators) {
    if (r < g.weight) return g;
    r -= g.weight;
  }
  return generators[generators.length - 1]!;
}
