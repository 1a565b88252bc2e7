import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { ValidationCache } from '../../../src/trust/cache/validation-cache.js';
import type { VerifyChainOptions, VerifyChainResult } from '../../../src/trust/types.js';
import { verifyChainSync } from '../../../src/trust/verify-chain.js';
import { NOW, T0, T1, UNKNOWN_CRITICAL, issue, issueCa, makeRoot, type Issued } from '../fixtures/test-pki.js';

/** What a caller sees of a result: the verdict, the reason, and the chain by fingerprint. */
function view(result: VerifyChainResult): unknown {
  return result.ok ? { ...result, chain: result.chain.map((c) => c.fingerprint) } : result;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * root → manufacturer CA → issuing CA (constrained to dNSName devices.example) → devices, as DER:
 * the shape of a device chain, with a name constraint so that the remembered state matters.
 */
function world(): { root: Issued; manufacturer: Issued; issuing: Issued } {
  const root = makeRoot('CN=Prefix Root,O=Keyline Tests', { signer: generateSigner('P-384') });
  const manufacturer = issueCa(root, 'CN=Prefix Manufacturer CA,O=Keyline Tests');
  const issuing = issueCa(manufacturer, 'CN=Prefix Issuing CA,O=Keyline Tests', {
    nameConstraints: { permitted: [{ base: { type: 'dns', value: 'devices.example' }, minimum: 0 }] },
  });
  return { root, manufacturer, issuing };
}

describe('verifyChain path prefixes (a leaf under a known issuing CA)', () => {
  const { root, manufacturer, issuing } = world();
  let serial = 0;
  const device = (options: Parameters<typeof issue>[2] = {}): Issued =>
    issue(issuing, `CN=device-${++serial},O=Keyline Tests`, {
      extKeyUsage: [CLIENT_AUTH],
      subjectAltName: [{ type: 'dns', value: `d${serial}.devices.example` }],
      ...options,
    });
  const optionsFor = (leaf: Issued, extra: Partial<VerifyChainOptions> = {}): VerifyChainOptions => ({
    leaf: leaf.certificate.der,
    intermediates: [issuing.certificate.der, manufacturer.certificate.der],
    trustAnchors: root.certificate.der,
    time: NOW,
    ...extra,
  });

  it('remembers the state above the leaf and runs only the leaf steps for the next device', () => {
    const cache = new ValidationCache();
    expect(verifyChainSync({ ...optionsFor(device()), cache }).ok).toBe(true);
    expect(cache.pathPrefixes?.size).toBe(1);
    const second = device();
    const before = cache.stats;
    const cached = verifyChainSync({ ...optionsFor(second), cache });
    expect(view(cached)).toEqual(view(verifyChainSync(optionsFor(second))));
    // Only the new leaf edge was asked of the signature cache (a miss, then stored): the CA edges
    // were not walked again.
    expect(cache.stats.misses - before.misses).toBe(1);
    expect(cache.stats.hits - before.hits).toBe(0);
    expect(cache.stats.entries - before.entries).toBe(1);
    expect(cache.pathPrefixes?.size).toBe(1);
  });

  it('gives every verdict the full search gives, for leaves that fail their own steps', () => {
    const cache = new ValidationCache();
    expect(verifyChainSync({ ...optionsFor(device()), cache }).ok).toBe(true);
    const stranger = makeRoot('CN=Prefix Issuing CA,O=Keyline Tests');
    const cases: [string, VerifyChainOptions][] = [
      ['expired leaf', optionsFor(device({ notAfter: new Date(NOW.getTime() - 1000) }))],
      ['not yet valid leaf', optionsFor(device({ notBefore: new Date(NOW.getTime() + 1000) }))],
      [
        'leaf outside the name constraint',
        optionsFor(device({ subjectAltName: [{ type: 'dns', value: 'elsewhere.example' }] })),
      ],
      ['unknown critical extension', optionsFor(device({ extraExtensions: [UNKNOWN_CRITICAL] }))],
      ['wrong purpose', optionsFor(device(), { purpose: 'serverAuth' })],
      ['signed by another key under the same name', optionsFor(issue(stranger, 'CN=forged,O=Keyline Tests'))],
      ['a CA expired at the time', optionsFor(device(), { time: new Date(T1.getTime() + 1000) })],
      ['before the CAs', optionsFor(device(), { time: new Date(T0.getTime() - 1000) })],
      ['maxDepth too small', optionsFor(device(), { maxDepth: 1 })],
      ['a tiny work budget', optionsFor(device(), { workBudget: 3 })],
    ];
    for (const [what, options] of cases) {
      const plain = verifyChainSync(options);
      expect(plain.ok, what).toBe(false);
      expect(view(verifyChainSync({ ...options, cache })), what).toEqual(view(plain));
    }
    // A passing device after all those still takes the short way and passes.
    const good = device();
    expect(view(verifyChainSync({ ...optionsFor(good), cache }))).toEqual(view(verifyChainSync(optionsFor(good))));
  });

  it('does not remember a prefix when the leaf issuer name picks more than one certificate', () => {
    const cache = new ValidationCache();
    // A look-alike issuing CA (same subject, another key) in the pool: the search has two ways up.
    const lookalike = issueCa(manufacturer, 'CN=Prefix Issuing CA,O=Keyline Tests');
    const leaf = device();
    const options = optionsFor(leaf, {
      intermediates: [lookalike.certificate.der, issuing.certificate.der, manufacturer.certificate.der],
    });
    const plain = verifyChainSync(options);
    expect(plain.ok).toBe(true);
    expect(view(verifyChainSync({ ...options, cache }))).toEqual(view(plain));
    expect(cache.pathPrefixes?.size).toBe(0);
  });

  it('keys prefixes by pool and options, and can be turned off or cleared', () => {
    const cache = new ValidationCache();
    verifyChainSync({ ...optionsFor(device()), cache });
    verifyChainSync({ ...optionsFor(device(), { purpose: 'clientAuth' }), cache });
    verifyChainSync({
      ...optionsFor(device(), { intermediates: [manufacturer.certificate.der, issuing.certificate.der] }),
      cache,
    });
    expect(cache.pathPrefixes?.size).toBe(3);
    // CRLs or a profile: no shortcut, nothing remembered.
    verifyChainSync({ ...optionsFor(device(), { profile: 'ecosystem' }), cache });
    expect(cache.pathPrefixes?.size).toBe(3);
    cache.clear();
    expect(cache.pathPrefixes?.size).toBe(0);
    const off = new ValidationCache({ maxPathPrefixes: 0 });
    expect(verifyChainSync({ ...optionsFor(device()), cache: off }).ok).toBe(true);
    expect(off.pathPrefixes).toBeUndefined();
    expect(() => new ValidationCache({ maxPathPrefixes: -1 })).toThrow(TypeError);
  });

  it('checks the CA validity window at each call', () => {
    const cache = new ValidationCache();
    const shortIssuing = issueCa(manufacturer, 'CN=Short Issuing CA,O=Keyline Tests', {
      notAfter: new Date(NOW.getTime() + 60_000),
    });
    const leafUnder = (n: number): Issued => issue(shortIssuing, `CN=short-${n},O=Keyline Tests`);
    const at = (leaf: Issued, time: Date): VerifyChainOptions => ({
      leaf: leaf.certificate.der,
      intermediates: [shortIssuing.certificate.der, manufacturer.certificate.der],
      trustAnchors: root.certificate.der,
      time,
    });
    expect(verifyChainSync({ ...at(leafUnder(1), NOW), cache }).ok).toBe(true);
    const late = at(leafUnder(2), new Date(NOW.getTime() + 120_000));
    const plain = verifyChainSync(late);
    expect(plain).toMatchObject({ ok: false, code: 'ERR_PATH_EXPIRED', depth: 1 });
    expect(view(verifyChainSync({ ...late, cache }))).toEqual(view(plain));
  });
});
