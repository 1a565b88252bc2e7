import { describe, expect, it } from 'vitest';
import { verifyChainSync } from '../../../src/trust/verify-chain.js';
import type { VerifyChainOptions } from '../../../src/trust/types.js';
import { OID } from '../../../src/x509/oids.js';
import { NOW, UNKNOWN_CRITICAL, dn, issue, issueCa, makeRoot, simpleChain } from '../fixtures/test-pki.js';

function verify(options: Partial<VerifyChainOptions> & Pick<VerifyChainOptions, 'leaf' | 'trustAnchors'>) {
  return verifyChainSync({ time: NOW, ...options });
}

function codeOf(result: ReturnType<typeof verify>): string {
  return result.ok ? 'OK' : result.code;
}

describe('RFC 5280 6.1 path validation', () => {
  it('accepts root → intermediate → leaf and returns the chain leaf first', () => {
    const { root, intermediate, leaf } = simpleChain();
    const result = verify({
      leaf: leaf.certificate,
      intermediates: [intermediate.certificate],
      trustAnchors: [root.certificate],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.chain.map((c) => c.fingerprint)).toEqual(
      [leaf, intermediate, root].map((x) => x.certificate.fingerprint),
    );
  });

  describe('6.1.3 (a)(1) signatures', () => {
    it('refuses a leaf signed by another key than its issuer', () => {
      const { root, intermediate } = simpleChain();
      const impostor = makeRoot('CN=Test Intermediate,O=Keyline Tests');
      const leaf = issue(impostor, 'CN=forged');
      const result = verify({
        leaf: leaf.certificate,
        intermediates: [intermediate.certificate],
        trustAnchors: [root.certificate],
      });
      expect(codeOf(result)).toBe('ERR_PATH_BAD_SIGNATURE');
      expect(result.ok || result.depth).toBe(0);
    });
  });

  describe('6.1.3 (a)(2) validity, bounds inclusive, whole seconds', () => {
    const root = makeRoot('CN=Validity Root');
    const leaf = issue(root, 'CN=validity leaf', {
      notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2026-12-31T00:00:00Z'),
    });
    const at = (time: string) => codeOf(verify({ leaf: leaf.certificate, trustAnchors: root.certificate, time }));
    it('is valid from notBefore through notAfter', () => {
      expect(at('2026-01-01T00:00:00Z')).toBe('OK');
      expect(at('2026-12-31T00:00:00Z')).toBe('OK');
      expect(at('2026-12-31T00:00:00.999Z')).toBe('OK');
    });
    it('is not yet valid a second before, and expired a second after', () => {
      expect(at('2025-12-31T23:59:59.999Z')).toBe('ERR_PATH_NOT_YET_VALID');
      expect(at('2026-12-31T00:00:01Z')).toBe('ERR_PATH_EXPIRED');
    });
    it('checks the validity of intermediates and of the trust anchor too', () => {
      const oldRoot = makeRoot('CN=Old Root', { notAfter: new Date('2026-01-01T00:00:00Z') });
      const child = issue(oldRoot, 'CN=child');
      expect(codeOf(verify({ leaf: child.certificate, trustAnchors: oldRoot.certificate }))).toBe('ERR_PATH_EXPIRED');
      const { root: r, intermediate, leaf: l } = simpleChain({}, { notAfter: new Date('2026-02-01T00:00:00Z') });
      const result = verify({
        leaf: l.certificate,
        intermediates: intermediate.certificate,
        trustAnchors: r.certificate,
      });
      expect(codeOf(result)).toBe('ERR_PATH_EXPIRED');
      expect(result.ok || result.depth).toBe(1);
    });
  });

  describe('6.1.4 (k) basicConstraints', () => {
    it('refuses an intermediate with cA FALSE', () => {
      const { root, intermediate, leaf } = simpleChain({}, { ca: false, keyUsage: ['digitalSignature'] });
      expect(
        codeOf(
          verify({ leaf: leaf.certificate, intermediates: intermediate.certificate, trustAnchors: root.certificate }),
        ),
      ).toBe('ERR_PATH_NOT_CA');
    });
    it('refuses an intermediate without basicConstraints', () => {
      const { root, intermediate, leaf } = simpleChain({}, { ca: 'omit', keyUsage: null });
      const result = verify({
        leaf: leaf.certificate,
        intermediates: intermediate.certificate,
        trustAnchors: root.certificate,
      });
      expect(codeOf(result)).toBe('ERR_PATH_NOT_CA');
      expect(result.ok || result.message).toContain('no basicConstraints');
    });
    it('accepts a non-critical basicConstraints on an intermediate (PKITS 4.6.4)', () => {
      const { root, intermediate, leaf } = simpleChain({}, { basicConstraintsCritical: false });
      expect(
        codeOf(
          verify({ leaf: leaf.certificate, intermediates: intermediate.certificate, trustAnchors: root.certificate }),
        ),
      ).toBe('OK');
    });
  });

  describe('6.1.4 (l), (m) pathLenConstraint', () => {
    it('lets pathLen 0 issue leaves but not CAs', () => {
      const root = makeRoot('CN=PL Root');
      const ca0 = issueCa(root, 'CN=PL CA 0', { pathLen: 0 });
      const leaf = issue(ca0, 'CN=PL leaf');
      expect(
        codeOf(verify({ leaf: leaf.certificate, intermediates: ca0.certificate, trustAnchors: root.certificate })),
      ).toBe('OK');
      const sub = issueCa(ca0, 'CN=PL sub CA');
      const leaf2 = issue(sub, 'CN=PL leaf 2');
      const result = verify({
        leaf: leaf2.certificate,
        intermediates: [ca0.certificate, sub.certificate],
        trustAnchors: root.certificate,
      });
      expect(codeOf(result)).toBe('ERR_PATH_LENGTH_EXCEEDED');
    });
    it('does not count self-issued intermediates (key rollover)', () => {
      const root = makeRoot('CN=Rollover Root');
      const oldCa = issueCa(root, 'CN=Rollover CA', { pathLen: 0 });
      const newCa = issueCa(oldCa, 'CN=Rollover CA', { pathLen: 0 });
      const leaf = issue(newCa, 'CN=rollover leaf');
      const result = verify({
        leaf: leaf.certificate,
        intermediates: [oldCa.certificate, newCa.certificate],
        trustAnchors: root.certificate,
      });
      expect(codeOf(result)).toBe('OK');
      expect(result.ok && result.chain.length).toBe(4);
    });
    it('applies the trust anchor pathLen', () => {
      const root = makeRoot('CN=Anchor PL Root', { pathLen: 0 });
      const ca = issueCa(root, 'CN=Anchor PL CA');
      const leaf = issue(ca, 'CN=anchor pl leaf');
      expect(
        codeOf(verify({ leaf: leaf.certificate, intermediates: ca.certificate, trustAnchors: root.certificate })),
      ).toBe('ERR_PATH_LENGTH_EXCEEDED');
    });
  });

  describe('6.1.4 (n) keyUsage keyCertSign', () => {
    it('refuses a CA whose keyUsage lacks keyCertSign', () => {
      const { root, intermediate, leaf } = simpleChain({}, { keyUsage: ['cRLSign', 'digitalSignature'] });
      expect(
        codeOf(
          verify({ leaf: leaf.certificate, intermediates: intermediate.certificate, trustAnchors: root.certificate }),
        ),
      ).toBe('ERR_PATH_KEY_CERT_SIGN_MISSING');
    });
    it('accepts a CA without keyUsage', () => {
      const { root, intermediate, leaf } = simpleChain({}, { keyUsage: null });
      expect(
        codeOf(
          verify({ leaf: leaf.certificate, intermediates: intermediate.certificate, trustAnchors: root.certificate }),
        ),
      ).toBe('OK');
    });
  });

  describe('6.1.4 (o), 6.1.5 (e) unknown critical extensions', () => {
    it('refuses them in the leaf, an intermediate or the anchor', () => {
      const a = simpleChain({ extraExtensions: [UNKNOWN_CRITICAL] });
      expect(
        codeOf(
          verify({
            leaf: a.leaf.certificate,
            intermediates: a.intermediate.certificate,
            trustAnchors: a.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_UNKNOWN_CRITICAL_EXTENSION');
      const b = simpleChain({}, { extraExtensions: [UNKNOWN_CRITICAL] });
      expect(
        codeOf(
          verify({
            leaf: b.leaf.certificate,
            intermediates: b.intermediate.certificate,
            trustAnchors: b.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_UNKNOWN_CRITICAL_EXTENSION');
      const root = makeRoot('CN=Critical Root', { extraExtensions: [UNKNOWN_CRITICAL] });
      const leaf = issue(root, 'CN=critical leaf');
      expect(codeOf(verify({ leaf: leaf.certificate, trustAnchors: root.certificate }))).toBe(
        'ERR_PATH_UNKNOWN_CRITICAL_EXTENSION',
      );
    });
    it('ignores them when non-critical, and in certificates the path does not use', () => {
      const quiet = { ...UNKNOWN_CRITICAL, critical: false };
      const a = simpleChain({ extraExtensions: [quiet] });
      expect(
        codeOf(
          verify({
            leaf: a.leaf.certificate,
            intermediates: a.intermediate.certificate,
            trustAnchors: a.root.certificate,
          }),
        ),
      ).toBe('OK');
      const unused = makeRoot('CN=Unused Root', { extraExtensions: [UNKNOWN_CRITICAL] });
      expect(
        codeOf(
          verify({
            leaf: a.leaf.certificate,
            intermediates: a.intermediate.certificate,
            trustAnchors: [unused.certificate, a.root.certificate],
          }),
        ),
      ).toBe('OK');
    });
  });

  describe('purpose: extKeyUsage and keyUsage', () => {
    it('checks the leaf extKeyUsage against the purpose, and accepts its absence', () => {
      const client = simpleChain({ extKeyUsage: [OID.clientAuth] });
      const run = (purpose: 'clientAuth' | 'serverAuth' | 'any', c = client) =>
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
            purpose,
          }),
        );
      expect(run('clientAuth')).toBe('OK');
      expect(run('any')).toBe('OK');
      expect(run('serverAuth')).toBe('ERR_PATH_PURPOSE_MISMATCH');
      expect(run('serverAuth', simpleChain())).toBe('OK');
      expect(run('serverAuth', simpleChain({ extKeyUsage: [OID.anyExtendedKeyUsage] }))).toBe('OK');
    });
    it('checks the leaf keyUsage fits the purpose', () => {
      const c = simpleChain({ keyUsage: ['cRLSign'] });
      expect(
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
            purpose: 'clientAuth',
          }),
        ),
      ).toBe('ERR_PATH_KEY_USAGE_MISMATCH');
      const agreement = simpleChain({ keyUsage: ['keyAgreement'] });
      expect(
        codeOf(
          verify({
            leaf: agreement.leaf.certificate,
            intermediates: agreement.intermediate.certificate,
            trustAnchors: agreement.root.certificate,
            purpose: 'clientAuth',
          }),
        ),
      ).toBe('OK');
    });
    it('lets an intermediate extKeyUsage limit the purposes below it', () => {
      const c = simpleChain({}, { extKeyUsage: [OID.serverAuth] });
      const run = (purpose: 'clientAuth' | 'serverAuth') =>
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
            purpose,
          }),
        );
      expect(run('serverAuth')).toBe('OK');
      expect(run('clientAuth')).toBe('ERR_PATH_PURPOSE_MISMATCH');
    });
  });

  describe('RFC 5280 section 4 rules on path certificates', () => {
    it('refuses a leaf without authorityKeyIdentifier, but not a self-signed root without one', () => {
      const c = simpleChain({ omitAki: true });
      expect(
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_NONCONFORMING_CERTIFICATE');
    });
    it('refuses a critical authorityKeyIdentifier', () => {
      const c = simpleChain({ akiCritical: true });
      expect(
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_NONCONFORMING_CERTIFICATE');
    });
    it('refuses a CA without subjectKeyIdentifier', () => {
      const c = simpleChain({}, { omitSki: true });
      expect(
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_NONCONFORMING_CERTIFICATE');
    });
    it('refuses a trust anchor whose basicConstraints is not critical', () => {
      const root = makeRoot('CN=Soft Root', { basicConstraintsCritical: false });
      const leaf = issue(root, 'CN=soft leaf');
      expect(codeOf(verify({ leaf: leaf.certificate, trustAnchors: root.certificate }))).toBe(
        'ERR_PATH_NONCONFORMING_CERTIFICATE',
      );
    });
    it('refuses keyCertSign in a certificate that is not a CA', () => {
      const c = simpleChain({ keyUsage: ['digitalSignature', 'keyCertSign'] });
      expect(
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_NONCONFORMING_CERTIFICATE');
    });
    it('refuses a malformed subjectAltName entry', () => {
      const c = simpleChain({ subjectAltName: [{ type: 'dns', value: 'under_score.example.com' }] });
      expect(
        codeOf(
          verify({
            leaf: c.leaf.certificate,
            intermediates: c.intermediate.certificate,
            trustAnchors: c.root.certificate,
          }),
        ),
      ).toBe('ERR_PATH_BAD_SAN');
    });
  });

  describe('name constraints (through trust/name-constraints)', () => {
    it('enforces permitted and excluded subtrees of CAs and of the anchor', () => {
      const root = makeRoot('CN=NC Root', {
        nameConstraints: { permitted: [{ base: { type: 'dns', value: 'example.com' }, minimum: 0 }] },
      });
      const good = issue(root, 'CN=good', { subjectAltName: [{ type: 'dns', value: 'device.example.com' }] });
      const bad = issue(root, 'CN=bad', { subjectAltName: [{ type: 'dns', value: 'device.example.org' }] });
      expect(codeOf(verify({ leaf: good.certificate, trustAnchors: root.certificate }))).toBe('OK');
      expect(codeOf(verify({ leaf: bad.certificate, trustAnchors: root.certificate }))).toBe(
        'ERR_NC_NAME_NOT_PERMITTED',
      );
    });
  });

  describe('the leaf as its own trust anchor', () => {
    it('gives a chain of one', () => {
      const root = makeRoot('CN=Lonely Root');
      const result = verify({ leaf: root.certificate, trustAnchors: root.certificate });
      expect(result.ok && result.chain.length).toBe(1);
    });
  });

  it('refuses a version 1 intermediate (RFC 5280 6.1.4 (k))', async () => {
    const { buildCertificateSync } = await import('../../../src/x509/certificate/builder.js');
    const { generateSigner } = await import('../../../src/crypto/signer.js');
    const root = makeRoot('CN=V1 Root');
    const signer = generateSigner('P-256');
    const v1 = buildCertificateSync(
      {
        serial: Uint8Array.of(7),
        issuer: root.certificate.subject.der,
        subject: dn('CN=V1 CA'),
        notBefore: new Date('2025-01-01T00:00:00Z'),
        notAfter: new Date('2035-01-01T00:00:00Z'),
        spki: signer.publicKeySpki,
      },
      root.signer,
    );
    expect(v1.version).toBe(1);
    const leaf = issue({ certificate: v1, signer }, 'CN=below v1');
    expect(codeOf(verify({ leaf: leaf.certificate, intermediates: v1, trustAnchors: root.certificate }))).toBe(
      'ERR_PATH_NOT_CA',
    );
  });
});
