import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TreeHasher, auditPathRanges, leafHash, nodeHash, rootFromAuditPath } from '../../src/manifest/merkle.js';

/** RFC 9162 2.1.1 MTH written the recursive way, as the reference. */
function mth(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const data = (n: number) => Array.from({ length: n }, (_, i) => Buffer.from(`leaf ${i}`));

describe('the manifest Merkle tree (RFC 9162 2.1)', () => {
  it('streams the same tree head as the recursive definition for every size up to 70', () => {
    for (let n = 0; n <= 70; n++) {
      const tree = new TreeHasher();
      for (const leaf of data(n)) tree.addLeafHash(leafHash(leaf));
      expect(tree.root().toString('hex'), `size ${n}`).toBe(mth(data(n)).toString('hex'));
    }
  });

  it('matches the RFC 6962 empty-tree hash and separates leaves from nodes', () => {
    expect(new TreeHasher().root().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(leafHash(Buffer.from('x')).equals(createHash('sha256').update('x').digest())).toBe(false);
  });

  it('builds audit paths that verify for every index, and refuses changed leaves, paths, indices', () => {
    for (const n of [1, 2, 3, 5, 7, 8, 13, 33]) {
      const leaves = data(n);
      const root = mth(leaves);
      for (let m = 0; m < n; m++) {
        const path = auditPathRanges(m, n).map((r) => mth(leaves.slice(r.start, r.end)));
        const leaf = leafHash(leaves[m]!);
        expect(rootFromAuditPath(m, n, leaf, path)?.equals(root), `${m} of ${n}`).toBe(true);
        expect(rootFromAuditPath(m, n, leafHash(Buffer.from('other')), path)?.equals(root) ?? false).toBe(false);
        if (path.length > 0) {
          const changed = path.map((p, i) => (i === path.length - 1 ? nodeHash(p, p) : p));
          expect(rootFromAuditPath(m, n, leaf, changed)?.equals(root) ?? false).toBe(false);
          expect(rootFromAuditPath(m, n, leaf, path.slice(1))?.equals(root) ?? false).toBe(false);
        }
        if (n > 1) expect(rootFromAuditPath((m + 1) % n, n, leaf, path)?.equals(root) ?? false).toBe(false);
      }
    }
    expect(rootFromAuditPath(3, 3, leafHash(Buffer.from('x')), [])).toBeUndefined();
  });
});
