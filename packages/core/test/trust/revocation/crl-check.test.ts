import { describe, expect, it } from 'vitest';
import { generateSigner } from '../../../src/crypto/signer.js';
import { verifyChainSync } from '../../../src/trust/verify-chain.js';
import type { CertificateRevocationList } from '../../../src/x509/crl/certificate-revocation-list.js';
import type { Certificate } from '../../../src/x509/certificate/certificate.js';
import { OID } from '../../../src/x509/oids.js';
import { NOW, UNKNOWN_CRITICAL, issue, issueCa, makeCrl, makeRoot, simpleChain } from '../fixtures/test-pki.js';

function verify(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  anchor: Certificate,
  crls: CertificateRevocationList[],
) {
  const result = verifyChainSync({ leaf, intermediates, trustAnchors: anchor, crls, time: NOW });
  return result.ok ? 'OK' : result.code;
}

describe('CRL checking (RFC 5280 6.1.3 (a)(3), 6.3.3)', () => {
  const { root, intermediate, leaf } = simpleChain();
  const path = [leaf.certificate, [intermediate.certificate], root.certificate] as const;
  const revokedAt = new Date('2026-03-01T00:00:00Z');

  it('accepts a path when every certificate is covered and none is revoked', async () => {
    const crls = [await makeCrl(root), await makeCrl(intermediate)];
    expect(verify(...path, crls)).toBe('OK');
  });

  it('refuses a revoked leaf and a revoked intermediate', async () => {
    const leafRevoked = await makeCrl(intermediate, {
      entries: [{ serial: leaf.certificate.serialHex, revocationDate: revokedAt, reason: 'keyCompromise' }],
    });
    expect(verify(...path, [await makeCrl(root), leafRevoked])).toBe('ERR_PATH_REVOKED');
    const caRevoked = await makeCrl(root, {
      entries: [{ serial: intermediate.certificate.serialHex, revocationDate: revokedAt }],
    });
    expect(verify(...path, [caRevoked, await makeCrl(intermediate)])).toBe('ERR_PATH_REVOKED');
  });

  it('treats certificateHold as revoked', async () => {
    const held = await makeCrl(intermediate, {
      entries: [{ serial: leaf.certificate.serialHex, revocationDate: revokedAt, reason: 'certificateHold' }],
    });
    expect(verify(...path, [await makeCrl(root), held])).toBe('ERR_PATH_REVOKED');
  });

  it('ignores a serial revoked by another issuer', async () => {
    const other = makeRoot('CN=Other CRL Issuer');
    const unrelated = await makeCrl(other, {
      entries: [{ serial: leaf.certificate.serialHex, revocationDate: revokedAt }],
    });
    expect(verify(...path, [await makeCrl(root), await makeCrl(intermediate), unrelated])).toBe('OK');
  });

  it('answers ERR_REVOCATION_UNKNOWN when a certificate of the path has no CRL', async () => {
    expect(verify(...path, [await makeCrl(root)])).toBe('ERR_REVOCATION_UNKNOWN');
    expect(verify(...path, [await makeCrl(intermediate)])).toBe('ERR_REVOCATION_UNKNOWN');
  });

  it('refuses CRLs that are not current', async () => {
    const stale = await makeCrl(intermediate, {
      thisUpdate: new Date('2025-01-01T00:00:00Z'),
      nextUpdate: new Date('2026-01-01T00:00:00Z'),
    });
    expect(verify(...path, [await makeCrl(root), stale])).toBe('ERR_CRL_EXPIRED');
    const future = await makeCrl(intermediate, {
      thisUpdate: new Date('2027-01-01T00:00:00Z'),
      nextUpdate: new Date('2028-01-01T00:00:00Z'),
    });
    expect(verify(...path, [await makeCrl(root), future])).toBe('ERR_CRL_NOT_YET_VALID');
  });

  it('uses a current CRL when a stale one is also given', async () => {
    const stale = await makeCrl(intermediate, {
      thisUpdate: new Date('2025-01-01T00:00:00Z'),
      nextUpdate: new Date('2026-01-01T00:00:00Z'),
    });
    expect(verify(...path, [await makeCrl(root), stale, await makeCrl(intermediate)])).toBe('OK');
  });

  it('refuses a CRL whose signature is not the issuer’s', async () => {
    const forged = await makeCrl(intermediate, { signer: generateSigner('P-256') });
    expect(verify(...path, [await makeCrl(root), forged])).toBe('ERR_CRL_BAD_SIGNATURE');
  });

  it('refuses a CRL signed by an issuer whose keyUsage lacks cRLSign', async () => {
    const noCrlSign = issueCa(root, 'CN=No cRLSign CA', { keyUsage: ['keyCertSign'] });
    const child = issue(noCrlSign, 'CN=no crlsign leaf');
    const result = verify(child.certificate, [noCrlSign.certificate], root.certificate, [
      await makeCrl(root),
      await makeCrl(noCrlSign),
    ]);
    expect(result).toBe('ERR_CRL_ISSUER_NOT_CRL_SIGNER');
  });

  it('accepts a CRL signed by an issuer without keyUsage (RFC 5280 6.3.3 (f) is conditional)', async () => {
    const noKu = issueCa(root, 'CN=No KU CA', { keyUsage: null });
    const child = issue(noKu, 'CN=no ku leaf');
    expect(
      verify(child.certificate, [noKu.certificate], root.certificate, [await makeCrl(root), await makeCrl(noKu)]),
    ).toBe('OK');
  });

  it('refuses delta CRLs and CRLs with unknown critical extensions', async () => {
    const delta = await makeCrl(intermediate, { deltaCrlIndicator: 1n });
    expect(verify(...path, [await makeCrl(root), delta])).toBe('ERR_CRL_UNSUPPORTED');
    const odd = await makeCrl(intermediate, { extraExtensions: [UNKNOWN_CRITICAL] });
    expect(verify(...path, [await makeCrl(root), odd])).toBe('ERR_CRL_UNKNOWN_CRITICAL_EXTENSION');
  });

  it('refuses indirect CRLs as unsupported', async () => {
    const indirect = await makeCrl(intermediate, { issuingDistributionPoint: { indirectCRL: true } });
    expect(verify(...path, [await makeCrl(root), indirect])).toBe('ERR_CRL_UNSUPPORTED');
  });

  it('honours the IDP scope flags (RFC 5280 6.3.3 (b)(2))', async () => {
    const caOnly = await makeCrl(intermediate, { issuingDistributionPoint: { onlyContainsCACerts: true } });
    expect(verify(...path, [await makeCrl(root), caOnly])).toBe('ERR_REVOCATION_UNKNOWN');
    const usersOnly = await makeCrl(intermediate, { issuingDistributionPoint: { onlyContainsUserCerts: true } });
    expect(verify(...path, [await makeCrl(root), usersOnly])).toBe('OK');
    const rootUsersOnly = await makeCrl(root, { issuingDistributionPoint: { onlyContainsUserCerts: true } });
    expect(verify(...path, [rootUsersOnly, await makeCrl(intermediate)])).toBe('ERR_REVOCATION_UNKNOWN');
  });

  it('needs every reason covered when CRLs are partitioned by reason', async () => {
    const some = await makeCrl(intermediate, {
      issuingDistributionPoint: { onlySomeReasons: new Set(['keyCompromise']) },
    });
    expect(verify(...path, [await makeCrl(root), some])).toBe('ERR_REVOCATION_UNKNOWN');
  });

  it('accepts a CRL signed with a separate key of the same CA, validated to the same anchor (6.3.3 (f))', async () => {
    const crlSigner = issueCa(root, 'CN=Test Intermediate,O=Keyline Tests', { keyUsage: ['cRLSign'] });
    const crl = await makeCrl(intermediate, { signer: crlSigner.signer });
    expect(
      verify(leaf.certificate, [intermediate.certificate, crlSigner.certificate], root.certificate, [
        await makeCrl(root),
        crl,
      ]),
    ).toBe('OK');
    // Without the signer's certificate the CRL cannot be attributed.
    expect(verify(...path, [await makeCrl(root), crl])).toBe('ERR_CRL_BAD_SIGNATURE');
    // A revoked CRL signer is no signer.
    const rootRevokesSigner = await makeCrl(root, {
      entries: [{ serial: crlSigner.certificate.serialHex, revocationDate: revokedAt }],
    });
    expect(
      verify(leaf.certificate, [intermediate.certificate, crlSigner.certificate], root.certificate, [
        rootRevokesSigner,
        crl,
      ]),
    ).not.toBe('OK');
  });

  it('does not check the trust anchor itself', async () => {
    const selfRevoking = await makeCrl(root, {
      entries: [{ serial: root.certificate.serialHex, revocationDate: revokedAt }],
    });
    expect(verify(...path, [selfRevoking, await makeCrl(intermediate)])).toBe('OK');
  });

  it('reads the OID of cRLNumber from the CRL (sanity of the fixture)', async () => {
    const crl = await makeCrl(root);
    expect(crl.extension(OID.cRLNumber)?.critical).toBe(false);
  });
});
