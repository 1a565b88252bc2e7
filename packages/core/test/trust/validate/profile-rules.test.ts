import { describe, expect, it } from 'vitest';
import { certificateInfo } from '../../../src/trust/validate/certificate-info.js';
import { checkProfile, type PathRole } from '../../../src/trust/validate/profile-rules.js';
import { knownExtension } from '../../../src/x509/extensions/codecs.js';
import { issue, issueCa, makeRoot, type CertOptions } from '../fixtures/test-pki.js';

const root = makeRoot('CN=Profile Root');

function verdict(role: PathRole, options: CertOptions, name = 'CN=profile subject'): string {
  const cert = (options.ca === true ? issueCa : issue)(root, name, options).certificate;
  const result = checkProfile(certificateInfo(cert), role);
  return result.ok ? 'OK' : result.message;
}

describe('RFC 5280 section 4 rules (checkProfile)', () => {
  it('passes conforming certificates in every role', () => {
    expect(verdict('leaf', {})).toBe('OK');
    expect(verdict('intermediate', { ca: true })).toBe('OK');
    expect(checkProfile(certificateInfo(root.certificate), 'anchor').ok).toBe(true);
  });

  it('requires authorityKeyIdentifier of leaves and intermediates, not of trust anchors', () => {
    expect(verdict('leaf', { omitAki: true })).toMatch(/authorityKeyIdentifier is missing/);
    expect(verdict('intermediate', { ca: true, omitAki: true })).toMatch(/authorityKeyIdentifier is missing/);
    expect(verdict('anchor', { ca: true, omitAki: true })).toBe('OK');
  });

  it('refuses nameConstraints outside CAs and when not critical', () => {
    const nc = knownExtension('nameConstraints', {
      permitted: [{ base: { type: 'dns', value: 'example.com' }, minimum: 0 }],
    });
    expect(verdict('leaf', { extraExtensions: [{ ...nc, critical: true }] })).toMatch(/not a CA/);
    expect(verdict('intermediate', { ca: true, extraExtensions: [nc] })).toMatch(/not critical/);
  });

  it('refuses a critical authorityInfoAccess', () => {
    const aia = knownExtension(
      'authorityInfoAccess',
      [{ method: '1.3.6.1.5.5.7.48.2', location: { type: 'uri', value: 'http://ca.example/ca.crt' } }],
      true,
    );
    expect(verdict('leaf', { extraExtensions: [aia] })).toMatch(/authorityInfoAccess is critical/);
  });

  it('needs a critical subjectAltName when the subject is empty, and a subject in CAs', () => {
    const san = [{ type: 'dns' as const, value: 'device.example.com' }];
    expect(verdict('leaf', { subjectAltName: san }, '')).toMatch(/subjectAltName is absent or not critical/);
    expect(verdict('intermediate', { ca: true }, '')).toMatch(/CA certificate has an empty subject/);
  });

  it('refuses pathLenConstraint without cA', () => {
    // BasicConstraints ::= SEQUENCE { pathLenConstraint 0 }: the encoder refuses it, so write it by hand.
    const bc = { oid: '2.5.29.19', critical: true, value: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00) };
    expect(verdict('leaf', { ca: 'omit', extraExtensions: [bc] })).toMatch(/pathLenConstraint is present without cA/);
  });

  it('requires the trust anchor basicConstraints to be present, critical and cA', () => {
    const soft = makeRoot('CN=Soft', { basicConstraintsCritical: false });
    expect(checkProfile(certificateInfo(soft.certificate), 'anchor').ok).toBe(false);
    const none = makeRoot('CN=None', { ca: 'omit', keyUsage: null });
    const result = checkProfile(certificateInfo(none.certificate), 'anchor');
    expect(!result.ok && result.message).toMatch(/no basicConstraints/);
  });
});
