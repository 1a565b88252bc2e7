import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { KeylineError } from '../../../src/errors/keyline-error.js';
import { ValidationCache } from '../../../src/trust/cache/validation-cache.js';
import type { VerifyChainOptions, VerifyChainResult } from '../../../src/trust/types.js';
import { verifyChain, verifyChainSync } from '../../../src/trust/verify-chain.js';
import { NOW, T1, issue, issueCa, makeRoot, simpleChain, type Issued } from '../fixtures/test-pki.js';

/** What a caller sees of a result: the verdict, the reason, and the chain by fingerprint. */
function view(result: VerifyChainResult): unknown {
  return result.ok ? { ...result, chain: result.chain.map((c) => c.fingerprint) } : result;
}

/** The demo-like device chain: root (P-384) → manufacturer CA (P-384) → issuing CA (P-256) → device. */
function deviceChain(): { root: Issued; manufacturer: Issued; issuing: Issued; device: Issued } {
  const root = makeRoot('CN=Cache Root,O=Keyline Tests', { signer: generateSigner('P-384') });
  const manufacturer = issueCa(root, 'CN=Manufacturer CA,O=Keyline Tests', { signer: generateSigner('P-384') });
  const issuing = issueCa(manufacturer, 'CN=Issuing CA,O=Keyline Tests');
  const device = issue(issuing, 'CN=device-0001,O=Keyline Tests', { extKeyUsage: ['1.3.6.1.5.5.7.3.2'] });
  return { root, manufacturer, issuing, device };
}

describe('ValidationCache with verifyChain', () => {
  const { root, manufacturer, issuing, device } = deviceChain();
  const base: VerifyChainOptions = {
    leaf: device.certificate.der,
    intermediates: [manufacturer.certificate.der, issuing.certificate.der],
    trustAnchors: root.certificate.der,
    time: NOW,
  };

  it('gives the same answer as without a cache, and serves the intermediates from it on later calls', async () => {
    // Path prefixes off: this counts the signature cache's own hits (path-prefix-cache.test.ts has the rest).
    const cache = new ValidationCache({ maxEntries: 100, maxPathPrefixes: 0 });
    const plain = await verifyChain(base);
    expect(plain.ok).toBe(true);
    const first = await verifyChain({ ...base, cache });
    expect(view(first)).toEqual(view(plain));
    // Three edges verified: device ← issuing, issuing ← manufacturer, manufacturer ← root.
    expect(cache.stats).toMatchObject({ entries: 3, hits: 0 });
    const second = verifyChainSync({ ...base, cache });
    expect(view(second)).toEqual(view(plain));
    expect(cache.stats.hits).toBe(3);
    // A second device under the same issuing CA costs one signature check: two edges come from the cache.
    const other = issue(issuing, 'CN=device-0002,O=Keyline Tests');
    const before = cache.stats;
    expect((await verifyChain({ ...base, leaf: other.certificate.der, cache })).ok).toBe(true);
    expect(cache.stats.hits - before.hits).toBe(2);
    expect(cache.stats.entries - before.entries).toBe(1);
  });

  it('still checks validity, purpose and every other rule on a cache hit', async () => {
    const cache = new ValidationCache();
    expect((await verifyChain({ ...base, cache })).ok).toBe(true);
    const cases: VerifyChainOptions[] = [
      { ...base, time: new Date(T1.getTime() + 1000) },
      { ...base, time: '2024-01-01T00:00:00Z' },
      { ...base, purpose: 'serverAuth' },
      { ...base, maxDepth: 1 },
      { ...base, trustAnchors: manufacturer.certificate.der, intermediates: [issuing.certificate.der] },
    ];
    for (const options of cases) {
      const plain = await verifyChain(options);
      const cached = await verifyChain({ ...options, cache });
      expect(view(cached)).toEqual(view(plain));
    }
    expect(view(await verifyChain({ ...base, time: new Date(T1.getTime() + 1000), cache }))).toMatchObject({
      ok: false,
      code: 'ERR_PATH_EXPIRED',
    });
  });

  it('charges the work budget on a hit, so a budget-bound verdict does not change', async () => {
    const cache = new ValidationCache();
    await verifyChain({ ...base, cache });
    for (let workBudget = 1; workBudget <= 12; workBudget++) {
      const plain = await verifyChain({ ...base, workBudget });
      const cached = await verifyChain({ ...base, workBudget, cache });
      expect(view(cached), `workBudget ${workBudget}`).toEqual(view(plain));
    }
  });

  it('does not let a different certificate with the same names hit the cache', async () => {
    const cache = new ValidationCache();
    const { root: realRoot, intermediate, leaf } = simpleChain();
    const options = {
      leaf: leaf.certificate.der,
      intermediates: intermediate.certificate.der,
      trustAnchors: realRoot.certificate.der,
      time: NOW,
    };
    expect((await verifyChain({ ...options, cache })).ok).toBe(true);
    // Same subject and issuer names as the real intermediate, but issued by a look-alike root's key.
    const lookalikeRoot = makeRoot('CN=Test Root,O=Keyline Tests');
    const impostor = issueCa(lookalikeRoot, 'CN=Test Intermediate,O=Keyline Tests', { signer: intermediate.signer });
    const forged = { ...options, intermediates: impostor.certificate.der };
    const plain = await verifyChain(forged);
    const cached = await verifyChain({ ...forged, cache });
    expect(plain.ok).toBe(false);
    expect(view(cached)).toEqual(view(plain));
    expect(!cached.ok && cached.code).toBe('ERR_PATH_BAD_SIGNATURE');
    // Entries are keyed by whole certificates: even the leaf edge, under the same key, is verified again.
    expect(cache.stats.hits).toBe(0);
  });

  it('stores only signatures that verified', async () => {
    const cache = new ValidationCache();
    const lookalikeRoot = makeRoot('CN=Cache Root,O=Keyline Tests', { signer: generateSigner('P-384') });
    const result = await verifyChain({ ...base, trustAnchors: lookalikeRoot.certificate.der, cache });
    expect(!result.ok && result.code).toBe('ERR_PATH_BAD_SIGNATURE');
    expect(cache.stats.entries).toBe(2);
    expect((await verifyChain({ ...base, trustAnchors: lookalikeRoot.certificate.der, cache })).ok).toBe(false);
  });

  it('decodes DER intermediates and anchors once; bad input answers as it does without a cache', async () => {
    const cache = new ValidationCache();
    const first = await verifyChain({ ...base, cache });
    const second = await verifyChain({ ...base, cache });
    expect(first.ok && second.ok).toBe(true);
    expect(first.ok && second.ok && first.chain[1] === second.chain[1]).toBe(true);
    expect(cache.stats.certificates).toBe(3);
    const truncated = issuing.certificate.der.subarray(0, issuing.certificate.der.length - 2);
    const inputs: VerifyChainOptions[] = [
      { ...base, intermediates: [manufacturer.certificate.der, truncated] },
      { ...base, trustAnchors: [truncated] },
      { ...base, intermediates: [manufacturer.certificate.toPem(), issuing.certificate.toPem()] },
      {
        ...base,
        intermediates: new TextEncoder().encode(issuing.certificate.toPem() + manufacturer.certificate.toPem()),
      },
      { ...base, intermediates: [manufacturer.certificate, issuing.certificate.der] },
    ];
    for (const options of inputs) {
      expect(view(await verifyChain({ ...options, cache }))).toEqual(view(await verifyChain(options)));
    }
    await expect(verifyChain({ ...base, intermediates: [42 as never, truncated], cache })).rejects.toThrow(TypeError);
  });

  it('refuses a cache option that is not a cache', async () => {
    await expect(verifyChain({ ...base, cache: {} as never })).rejects.toThrow(TypeError);
  });
});

describe('ValidationCache bounds', () => {
  const { root, intermediate, leaf } = simpleChain({ notAfter: new Date('2030-01-01T00:00:00Z') });
  const at = NOW.getTime();

  it('expires an entry at the earlier notAfter of the two certificates', () => {
    const cache = new ValidationCache();
    cache.recordVerified(leaf.certificate, intermediate.certificate, at);
    expect(cache.hasVerified(leaf.certificate, intermediate.certificate, at)).toBe(true);
    const leafEnd = leaf.certificate.notAfter.getTime();
    expect(cache.hasVerified(leaf.certificate, intermediate.certificate, leafEnd - 1)).toBe(true);
    expect(cache.hasVerified(leaf.certificate, intermediate.certificate, leafEnd)).toBe(false);
    // An expired entry is dropped, not kept.
    expect(cache.stats.entries).toBe(0);
    expect(cache.hasVerified(leaf.certificate, intermediate.certificate, at)).toBe(false);
  });

  it('does not store a pair at or past its expiry', () => {
    const cache = new ValidationCache();
    cache.recordVerified(leaf.certificate, intermediate.certificate, leaf.certificate.notAfter.getTime());
    expect(cache.stats.entries).toBe(0);
  });

  it('expires an entry maxAgeMs after it was stored', () => {
    const cache = new ValidationCache({ maxAgeMs: 60_000 });
    cache.recordVerified(intermediate.certificate, root.certificate, at);
    expect(cache.hasVerified(intermediate.certificate, root.certificate, at + 59_999)).toBe(true);
    expect(cache.hasVerified(intermediate.certificate, root.certificate, at + 60_000)).toBe(false);
  });

  it('keys on both certificates: the same subject under another issuer is a miss', () => {
    const cache = new ValidationCache();
    cache.recordVerified(leaf.certificate, intermediate.certificate, at);
    expect(cache.hasVerified(leaf.certificate, root.certificate, at)).toBe(false);
    expect(cache.hasVerified(intermediate.certificate, intermediate.certificate, at)).toBe(false);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new ValidationCache({ maxEntries: 2 });
    cache.recordVerified(leaf.certificate, intermediate.certificate, at); // A
    cache.recordVerified(intermediate.certificate, root.certificate, at); // B
    expect(cache.hasVerified(leaf.certificate, intermediate.certificate, at)).toBe(true); // A is now the newest
    cache.recordVerified(root.certificate, root.certificate, at); // C evicts B
    expect(cache.stats).toMatchObject({ entries: 2, evictions: 1 });
    expect(cache.hasVerified(intermediate.certificate, root.certificate, at)).toBe(false);
    expect(cache.hasVerified(leaf.certificate, intermediate.certificate, at)).toBe(true);
    expect(cache.hasVerified(root.certificate, root.certificate, at)).toBe(true);
    cache.clear();
    expect(cache.stats.entries).toBe(0);
  });

  it('decodes certificate DER once, keeps its own copy of the bytes, and bounds what it holds', () => {
    const cache = new ValidationCache({ maxCertificates: 1 });
    const buffer = Uint8Array.from(intermediate.certificate.der);
    const first = cache.certificateFromDer(buffer);
    expect(cache.certificateFromDer(Uint8Array.from(buffer))).toBe(first);
    expect(first.fingerprint).toBe(intermediate.certificate.fingerprint);
    buffer.fill(0);
    expect(first.fingerprint).toBe(intermediate.certificate.fingerprint);
    expect(cache.certificateFromDer(intermediate.certificate.der)).toBe(first);
    cache.certificateFromDer(root.certificate.der);
    expect(cache.stats.certificates).toBe(1);
    expect(cache.certificateFromDer(intermediate.certificate.der)).not.toBe(first);
    const truncated = root.certificate.der.subarray(0, root.certificate.der.length - 1);
    expect(() => cache.certificateFromDer(truncated)).toThrow(KeylineError);
  });

  it('refuses bounds that are not positive', () => {
    expect(() => new ValidationCache({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new ValidationCache({ maxEntries: 1.5 })).toThrow(TypeError);
    expect(() => new ValidationCache({ maxAgeMs: 0 })).toThrow(TypeError);
    expect(() => new ValidationCache({ maxAgeMs: Number.NaN })).toThrow(TypeError);
    expect(() => new ValidationCache({ maxCertificates: -1 })).toThrow(TypeError);
  });
});
