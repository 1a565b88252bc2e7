import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { CandidatePool } from '../../../src/trust/build/candidate-pool.js';
import { MAX_PATH_CERTIFICATES, buildPath } from '../../../src/trust/build/path-builder.js';
import { WorkBudget } from '../../../src/trust/build/work-budget.js';
import { SignatureChecker } from '../../../src/trust/validate/signature-checker.js';
import { verifyChainSync } from '../../../src/trust/verify-chain.js';
import type { Certificate } from '../../../src/x509/certificate/certificate.js';
import { NOW, issue, issueCa, makeRoot, type Issued } from '../fixtures/test-pki.js';

function build(leaf: Certificate, anchors: Certificate[], pool: Certificate[], budget = 1000, maxDepth = 10) {
  const work = new WorkBudget(budget);
  const signatures = new SignatureChecker(() => work.spend());
  const validated: Certificate[][] = [];
  const result = buildPath(leaf, {
    pool: new CandidatePool(anchors, pool),
    budget: work,
    signatures,
    maxDepth,
    validate: (path) => {
      validated.push([...path]);
      return { ok: true, value: undefined };
    },
  });
  return { result, validated, work };
}

describe('path building', () => {
  it('finds the path through the pool whatever its order, and ignores decoys', () => {
    const root = makeRoot('CN=Build Root');
    const a = issueCa(root, 'CN=Build A');
    const b = issueCa(a, 'CN=Build B');
    const leaf = issue(b, 'CN=build leaf');
    const decoy = issueCa(makeRoot('CN=Other Root'), 'CN=Build B');
    const { result } = build(leaf.certificate, [root.certificate], [decoy.certificate, a.certificate, b.certificate]);
    expect(result.ok).toBe(true);
    expect(result.ok && result.path.map((c) => c.subject.der)).toEqual(
      [leaf, b, a, root].map((x) => x.certificate.subject.der),
    );
  });

  it('backtracks: when the first candidate path fails validation, another is tried', () => {
    // Two certificates for the same CA (same name and key): one expired, one current.
    const root = makeRoot('CN=Backtrack Root');
    const signer = generateSigner('P-256');
    const expired = issueCa(root, 'CN=Backtrack CA', { signer, notAfter: new Date('2026-01-01T00:00:00Z') });
    const current = issueCa(root, 'CN=Backtrack CA', { signer });
    const leaf = issue({ certificate: current.certificate, signer }, 'CN=backtrack leaf');
    const result = verifyChainSync({
      leaf: leaf.certificate,
      intermediates: [expired.certificate, current.certificate],
      trustAnchors: root.certificate,
      time: NOW,
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.chain[1]!.fingerprint).toBe(current.certificate.fingerprint);
  });

  it('reports the failure of the path that reached a trust anchor over dead ends', () => {
    const root = makeRoot('CN=Informative Root');
    const ca = issueCa(root, 'CN=Informative CA', { notAfter: new Date('2026-01-01T00:00:00Z') });
    const leaf = issue(ca, 'CN=informative leaf');
    const orphan = issueCa(makeRoot('CN=Elsewhere'), 'CN=Informative CA');
    const result = verifyChainSync({
      leaf: leaf.certificate,
      intermediates: [orphan.certificate, ca.certificate],
      trustAnchors: root.certificate,
      time: NOW,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('ERR_PATH_EXPIRED');
    expect(!result.ok && result.depth).toBe(1);
  });

  it('follows cross-certificates and never puts a certificate twice in a path', () => {
    // A and B cross-sign each other; only B chains to the trusted root.
    const root = makeRoot('CN=Cross Root');
    const aSigner = generateSigner('P-256');
    const bSigner = generateSigner('P-256');
    const bByRoot = issueCa(root, 'CN=Cross B', { signer: bSigner });
    const aSelf = makeRoot('CN=Cross A', { signer: aSigner });
    const aByB = issueCa(bByRoot, 'CN=Cross A', { signer: aSigner });
    const bByA = issueCa(aSelf, 'CN=Cross B', { signer: bSigner });
    const leaf = issue(aSelf, 'CN=cross leaf');
    const pool = [bByA.certificate, aByB.certificate, aSelf.certificate, bByRoot.certificate];
    const { result } = build(leaf.certificate, [root.certificate], pool);
    expect(result.ok).toBe(true);
    expect(result.ok && result.path.map((c) => c.fingerprint)).toEqual(
      [leaf.certificate, aByB.certificate, bByRoot.certificate, root.certificate].map((c) => c.fingerprint),
    );
  });

  it('fails a cycle of intermediates that never reaches an anchor with ERR_PATH_UNTRUSTED', () => {
    const s1 = generateSigner('P-256');
    const s2 = generateSigner('P-256');
    const x = makeRoot('CN=Cycle X', { signer: s1 });
    const y = makeRoot('CN=Cycle Y', { signer: s2 });
    const xByY = issueCa(y, 'CN=Cycle X', { signer: s1 });
    const yByX = issueCa(x, 'CN=Cycle Y', { signer: s2 });
    const leaf = issue(x, 'CN=cycle leaf');
    const { result } = build(
      leaf.certificate,
      [makeRoot('CN=Unrelated').certificate],
      [xByY.certificate, yByX.certificate],
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('ERR_PATH_UNTRUSTED');
  });

  it('reports ERR_PATH_NO_ISSUER when no certificate carries the issuer name', () => {
    const root = makeRoot('CN=Named Root');
    const leaf = issue(makeRoot('CN=Missing CA'), 'CN=orphan leaf');
    const { result } = build(leaf.certificate, [root.certificate], []);
    expect(!result.ok && result.code).toBe('ERR_PATH_NO_ISSUER');
  });

  it('honours maxDepth, counting intermediates but not self-issued ones', () => {
    const root = makeRoot('CN=Depth Root');
    const a = issueCa(root, 'CN=Depth A');
    const b = issueCa(a, 'CN=Depth B');
    const leaf = issue(b, 'CN=depth leaf');
    const pool = [a.certificate, b.certificate];
    expect(build(leaf.certificate, [root.certificate], pool, 1000, 2).result.ok).toBe(true);
    const shallow = build(leaf.certificate, [root.certificate], pool, 1000, 1).result;
    expect(!shallow.ok && shallow.code).toBe('ERR_PATH_DEPTH_EXCEEDED');

    const signer = generateSigner('P-256');
    const old = issueCa(root, 'CN=Depth Rollover', { signer: generateSigner('P-256') });
    const rolled = issueCa(old, 'CN=Depth Rollover', { signer });
    const leaf2 = issue({ certificate: rolled.certificate, signer }, 'CN=depth leaf 2');
    expect(build(leaf2.certificate, [root.certificate], [old.certificate, rolled.certificate], 1000, 1).result.ok).toBe(
      true,
    );
  });

  it('verifies each (certificate, issuer) signature at most once per call', () => {
    const root = makeRoot('CN=Cache Root');
    const ca = issueCa(root, 'CN=Cache CA');
    const leaf = issue(ca, 'CN=cache leaf');
    let verifications = 0;
    const signatures = new SignatureChecker(() => verifications++);
    expect(signatures.check(leaf.certificate, ca.certificate, 'certificate').ok).toBe(true);
    expect(signatures.check(leaf.certificate, ca.certificate, 'certificate').ok).toBe(true);
    expect(signatures.check(leaf.certificate, root.certificate, 'certificate').ok).toBe(false);
    expect(signatures.check(leaf.certificate, root.certificate, 'certificate').ok).toBe(false);
    expect(verifications).toBe(2);
  });
});

describe('path building under a crafted pool (issue 2 section 6)', () => {
  /**
   * Hundreds of look-alike CAs that all share one name and one key, so that every one of them
   * verifies every other's signature, plus cycles between them, and no path to the trusted root:
   * naive depth-first search would explore an astronomical number of paths.
   */
  function lookAlikePool(count: number): { leaf: Issued; pool: Certificate[] } {
    const signer = generateSigner('P-256');
    const first = makeRoot('CN=Look-alike CA', { signer });
    const pool: Certificate[] = [first.certificate];
    let previous: Issued = first;
    for (let i = 1; i < count; i++) {
      const next = issueCa(previous, 'CN=Look-alike CA', { signer });
      pool.push(next.certificate);
      previous = next;
    }
    return { leaf: issue(first, 'CN=look-alike leaf'), pool };
  }

  it('fails cleanly with ERR_PATH_BUDGET_EXCEEDED within its work bound', () => {
    const { leaf, pool } = lookAlikePool(300);
    const root = makeRoot('CN=Real Root');
    const result = verifyChainSync({
      leaf: leaf.certificate,
      intermediates: pool,
      trustAnchors: root.certificate,
      time: NOW,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('ERR_PATH_BUDGET_EXCEEDED');
  });

  it('spends no more than the budget it is given', () => {
    const { leaf, pool } = lookAlikePool(200);
    const { result, work } = build(leaf.certificate, [makeRoot('CN=Real Root 2').certificate], pool, 250);
    expect(!result.ok && result.code).toBe('ERR_PATH_BUDGET_EXCEEDED');
    expect(work.used).toBe(251);
  });

  it('hundreds of distinct look-alike issuers with distinct keys: fails, never slowly', () => {
    const pool: Certificate[] = [];
    for (let i = 0; i < 200; i++) pool.push(makeRoot('CN=Popular CA').certificate);
    const leaf = issue(makeRoot('CN=Popular CA'), 'CN=popular leaf');
    const result = verifyChainSync({
      leaf: leaf.certificate,
      intermediates: pool,
      trustAnchors: makeRoot('CN=Trusted').certificate,
      time: NOW,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('ERR_PATH_BAD_SIGNATURE');
  });

  it('a long chain of self-issued certificates stops at the absolute length cap', () => {
    // Self-issued certificates do not count towards maxDepth, so only the cap ends this path.
    let previous = makeRoot('CN=Rollover Forever');
    const pool: Certificate[] = [previous.certificate];
    for (let i = 0; i < MAX_PATH_CERTIFICATES + 4; i++) {
      previous = issueCa(previous, 'CN=Rollover Forever');
      pool.push(previous.certificate);
    }
    const leaf = issue(previous, 'CN=rollover forever leaf');
    const { result } = build(leaf.certificate, [makeRoot('CN=Cap Root').certificate], pool, 1_000_000, 10);
    expect(!result.ok && result.code).toBe('ERR_PATH_DEPTH_EXCEEDED');
    expect(!result.ok && result.path?.length).toBe(MAX_PATH_CERTIFICATES + 1);
  });
});
