import { describe, expect, it } from 'vitest';
import { verifyChainSync } from '../../src/trust/verify-chain.js';
import { build, hierarchy } from '../policy/fixtures/build.js';
import { NOW, simpleChain } from './fixtures/test-pki.js';

describe("profile: 'ecosystem'", () => {
  const h = hierarchy();
  const root = h.issuers.root;
  const manufacturer = h.issuers['issuing-ca'];
  const issuing = h.issuers.device;
  const device = build(h.specs.device);

  it('accepts a chain that conforms to the Keyline policy (root → manufacturer → issuing → device)', () => {
    const result = verifyChainSync({
      leaf: device,
      intermediates: [issuing, manufacturer],
      trustAnchors: root,
      time: NOW,
      profile: 'ecosystem',
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.chain.length).toBe(4);
  });

  it('refuses an RFC 5280-valid chain that is not an ecosystem chain', () => {
    const { root: r, intermediate, leaf } = simpleChain();
    const options = {
      leaf: leaf.certificate,
      intermediates: intermediate.certificate,
      trustAnchors: r.certificate,
      time: NOW,
    };
    expect(verifyChainSync(options).ok).toBe(true);
    const result = verifyChainSync({ ...options, profile: 'ecosystem' });
    expect(!result.ok && result.code).toBe('ERR_PATH_PROFILE_VIOLATION');
  });

  it('refuses a certificate of the wrong profile for its place', () => {
    // The issuing CA used as a trust anchor is not a root.
    const result = verifyChainSync({ leaf: device, trustAnchors: issuing, time: NOW, profile: 'ecosystem' });
    expect(!result.ok && result.code).toBe('ERR_PATH_PROFILE_VIOLATION');
    expect(!result.ok && result.message).toMatch(/cannot be the anchor/);
  });
});
