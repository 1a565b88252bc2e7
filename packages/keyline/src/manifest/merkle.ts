import { createHash } from 'node:crypto';

/**
 * The Merkle tree of the manifest entries: the Merkle Tree Hash of RFC 9162 section 2.1.1
 * (leaves SHA-256(0x00 ‖ line), interior nodes SHA-256(0x01 ‖ left ‖ right), no duplicated nodes for
 * sizes that are not a power of two), computed in one pass with O(log n) memory.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** RFC 9162 2.1.1: the hash of one leaf (here: the exact bytes of one device line, without its newline). */
export function leafHash(line: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(line).digest();
}

/** RFC 9162 2.1.1: the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** RFC 9162 2.1.1: the hash of the empty tree. */
export const EMPTY_TREE_HASH: Buffer = createHash('sha256').digest();

/**
 * Computes the Merkle Tree Hash of a stream of leaves keeping only the roots of the complete
 * subtrees seen so far (one per set bit of the count: at most 64), merged right to left at the end.
 * That order is RFC 9162's split at the largest power of two below n, applied recursively.
 */
export class TreeHasher {
  private readonly stack: { hash: Buffer; size: number }[] = [];
  private leaves = 0;

  /** Adds the hash of the next leaf. */
  addLeafHash(hash: Buffer): void {
    let top = { hash, size: 1 };
    for (let last = this.stack.at(-1); last !== undefined && last.size === top.size; last = this.stack.at(-1)) {
      this.stack.pop();
      top = { hash: nodeHash(last.hash, top.hash), size: last.size * 2 };
    }
    this.stack.push(top);
    this.leaves++;
  }

  /** The number of leaves added. */
  get size(): number {
    return this.leaves;
  }

  /** The Merkle Tree Hash of the leaves added so far. */
  root(): Buffer {
    let index = this.stack.length - 1;
    let hash = this.stack[index]?.hash;
    if (hash === undefined) return EMPTY_TREE_HASH;
    for (index--; index >= 0; index--) hash = nodeHash(this.stack[index]!.hash, hash);
    return hash;
  }
}

/** A range of leaves [start, end) whose subtree hash is one step of an audit path. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The leaf ranges of the audit path of leaf `index` in a tree of `size` leaves, deepest first:
 * RFC 9162 2.1.3.1, PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) (or the mirror case).
 */
export function auditPathRanges(index: number, size: number): LeafRange[] {
  const ranges: LeafRange[] = [];
  let start = 0;
  let end = size;
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (index < start + k) {
      ranges.push({ start: start + k, end });
      end = start + k;
    } else {
      ranges.push({ start, end: start + k });
      start += k;
    }
  }
  return ranges.reverse();
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * RFC 9162 2.1.3.2: recomputes the root from a leaf hash and its audit path. Returns undefined when
 * the path has the wrong length for the index and size.
 */
export function rootFromAuditPath(
  index: number,
  size: number,
  leaf: Buffer,
  path: readonly Buffer[],
): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
