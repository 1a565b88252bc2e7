import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/trust/verify-chain.js';
import { certificatesFrom, crlsFrom, validationTime } from '../../src/trust/inputs.js';
import { NOW, makeCrl, simpleChain } from './fixtures/test-pki.js';

describe('verifyChain: the API contract', () => {
  const { root, intermediate, leaf } = simpleChain();
  const base = {
    leaf: leaf.certificate.toPem(),
    intermediates: intermediate.certificate.toPem(),
    trustAnchors: root.certificate.toPem(),
    time: NOW,
  };

  it('resolves { ok: true, chain } for PEM strings, leaf first and anchor last', async () => {
    const result = await verifyChain(base);
    expect(result.ok).toBe(true);
    expect(result.ok && result.chain.map((c) => c.fingerprint)).toEqual(
      [leaf, intermediate, root].map((x) => x.certificate.fingerprint),
    );
  });

  it('takes DER bytes, PEM bytes, arrays, and PEM bundles of several certificates', async () => {
    expect(
      (await verifyChain({ ...base, leaf: leaf.certificate.der, intermediates: [intermediate.certificate.der] })).ok,
    ).toBe(true);
    expect((await verifyChain({ ...base, trustAnchors: new TextEncoder().encode(root.certificate.toPem()) })).ok).toBe(
      true,
    );
    const other = simpleChain();
    const bundle = other.root.certificate.toPem() + root.certificate.toPem();
    expect((await verifyChain({ ...base, trustAnchors: bundle })).ok).toBe(true);
    // The leaf's own PEM may carry its chain: further certificates join the untrusted pool.
    const fullChain = leaf.certificate.toPem() + intermediate.certificate.toPem();
    expect((await verifyChain({ leaf: fullChain, trustAnchors: root.certificate.toPem(), time: NOW })).ok).toBe(true);
  });

  it('resolves { ok: false } with the parse error code for a malformed leaf, and never throws for bad data', async () => {
    const truncated = leaf.certificate.der.subarray(0, leaf.certificate.der.length - 3);
    const r1 = await verifyChain({ ...base, leaf: truncated });
    expect(r1.ok).toBe(false);
    expect(!r1.ok && r1.code).toMatch(/^ERR_DER_/);
    expect(!r1.ok && r1.message).toMatch(/^leaf: /);
    const r2 = await verifyChain({ ...base, leaf: 'not a certificate' });
    expect(!r2.ok && r2.code).toBe('ERR_PEM_MALFORMED');
    const r3 = await verifyChain({ ...base, trustAnchors: [] });
    expect(!r3.ok && r3.code).toBe('ERR_TRUST_NO_ANCHORS');
    const r4 = await verifyChain({ ...base, time: 'next tuesday' });
    expect(!r4.ok && r4.code).toBe('ERR_TRUST_BAD_TIME');
    const r5 = await verifyChain({ ...base, intermediates: Uint8Array.of(0x30, 0x80, 0, 0) });
    expect(!r5.ok && r5.code).toBe('ERR_DER_INDEFINITE_LENGTH');
    const r6 = await verifyChain({ ...base, crls: 'garbage' });
    expect(!r6.ok && r6.code).toBe('ERR_PEM_MALFORMED');
  });

  it('throws a TypeError for programmer misuse', async () => {
    await expect(verifyChain({ ...base, purpose: 'email' as never })).rejects.toThrow(TypeError);
    await expect(verifyChain({ ...base, maxDepth: -1 })).rejects.toThrow(TypeError);
    await expect(verifyChain({ ...base, leaf: 42 as never })).rejects.toThrow(TypeError);
  });

  it('takes the time as a string with an offset, and defaults to now', async () => {
    expect((await verifyChain({ ...base, time: '2026-06-01T12:00:00Z' })).ok).toBe(true);
    expect((await verifyChain({ ...base, time: '2026-06-01T14:00:00+02:00' })).ok).toBe(true);
    const past = await verifyChain({ ...base, time: '2020-01-01' });
    expect(!past.ok && past.code).toBe('ERR_PATH_NOT_YET_VALID');
    // The fixtures are valid from 2025 to 2035, so "now" falls inside.
    const { time: _time, ...withoutTime } = base;
    expect((await verifyChain(withoutTime)).ok).toBe(Date.now() < Date.parse('2035-01-01T00:00:00Z'));
  });

  it('names the failing certificate: depth and subject', async () => {
    const result = await verifyChain({ ...base, intermediates: [] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('ERR_PATH_NO_ISSUER');
    expect(!result.ok && result.depth).toBe(0);
    expect(!result.ok && result.subject).toBe('CN=device-0001,O=Keyline Tests');
  });

  it('returns the policy outcome of the path', async () => {
    const result = await verifyChain(base);
    expect(result.ok && result.policy?.authoritiesConstrainedPolicySet).toEqual([]);
  });

  it('checks revocation only when CRLs are given', async () => {
    const crl = await makeCrl(intermediate, { entries: [{ serial: leaf.certificate.serialHex, revocationDate: NOW }] });
    const revoked = await verifyChain({ ...base, crls: [(await makeCrl(root)).toPem(), crl.der] });
    expect(!revoked.ok && revoked.code).toBe('ERR_PATH_REVOKED');
    expect((await verifyChain({ ...base, crls: [] })).ok).toBe(true);
  });
});

describe('inputs', () => {
  it('decodes every certificate of a bundle and refuses text without one', () => {
    const { root, intermediate } = simpleChain();
    expect(
      certificatesFrom(root.certificate.toPem() + 'junk between\n' + intermediate.certificate.toPem()),
    ).toHaveLength(2);
    expect(certificatesFrom(undefined)).toEqual([]);
    expect(() => certificatesFrom('-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n')).toThrow(/no CERTIFICATE/);
  });

  it('decodes CRLs in PEM and DER', async () => {
    const { root } = simpleChain();
    const crl = await makeCrl(root);
    expect(crlsFrom([crl.toPem(), crl.der])).toHaveLength(2);
  });

  it('parses ISO 8601 times with offsets, refuses local times and impossible dates', () => {
    expect(validationTime('2024-03-01T00:00:00.999+00:00').toISOString()).toBe('2024-03-01T00:00:00.999Z');
    expect(validationTime('2024-03-01T01:00:00+0100').toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(validationTime('2024-03-01').toISOString()).toBe('2024-03-01T00:00:00.000Z');
    for (const bad of [
      '2024-03-01T00:00:00',
      '2024-02-30T00:00:00Z',
      '2024-13-01',
      'yesterday',
      '2024-03-01T25:00:00Z',
    ]) {
      expect(() => validationTime(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_TRUST_BAD_TIME' }));
    }
    expect(() => validationTime(new Date(Number.NaN))).toThrow(expect.objectContaining({ code: 'ERR_TRUST_BAD_TIME' }));
  });
});
