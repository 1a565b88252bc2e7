import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { CandidatePool } from '../../../src/trust/build/candidate-pool.js';
import { issue, issueCa, makeRoot } from '../fixtures/test-pki.js';

describe('candidate issuers', () => {
  const root = makeRoot('CN=Pool Root');
  const signer = generateSigner('P-256');
  const right = issueCa(root, 'CN=Pool CA', { signer });
  const leaf = issue({ certificate: right.certificate, signer }, 'CN=pool leaf');
  const otherKey = issueCa(root, 'CN=Pool CA');
  const noSki = issueCa(root, 'CN=Pool CA', { omitSki: true });
  const sameNameDifferentCase = issueCa(root, 'CN=pool  ca');

  it('finds certificates by issuer name under RFC 5280 7.1 comparison (case, spaces)', () => {
    const pool = new CandidatePool(
      [],
      [right.certificate, sameNameDifferentCase.certificate, makeRoot('CN=Unrelated').certificate],
    );
    expect(pool.issuersOf(leaf.certificate).map((c) => c.certificate)).toEqual(
      expect.arrayContaining([right.certificate, sameNameDifferentCase.certificate]),
    );
    expect(pool.issuersOf(leaf.certificate)).toHaveLength(2);
  });

  it('orders key-identifier matches first, unknown next, mismatches last', () => {
    const pool = new CandidatePool([], [otherKey.certificate, noSki.certificate, right.certificate]);
    expect(pool.issuersOf(leaf.certificate).map((c) => c.certificate)).toEqual([
      right.certificate,
      noSki.certificate,
      otherKey.certificate,
    ]);
  });

  it('puts trust anchors before intermediates of the same rank, and keeps one copy of duplicates', () => {
    const anchorCopy = right.certificate;
    const pool = new CandidatePool([anchorCopy], [right.certificate, right.certificate]);
    const candidates = pool.issuersOf(leaf.certificate);
    expect(candidates).toHaveLength(1);
    expect(candidates[0]!.isAnchor).toBe(true);
    expect(pool.isAnchor(right.certificate)).toBe(true);
  });
});
