import { describe, expect, it } from 'vitest';
import { detectProfile } from '../../../src/policy/profiles/detect.js';
import { PROFILE_NAMES } from '../../../src/policy/profiles/types.js';
import { KEYLINE_POLICY } from '../../../src/policy/oids.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { X, build, ext, hierarchy, withExt, withoutExt } from '../fixtures/build.js';

const h = hierarchy();

describe('detectProfile', () => {
  for (const name of PROFILE_NAMES) {
    it(`recognises the ${name} fixture`, () => {
      expect(detectProfile(build(h.specs[name]))).toBe(name);
    });
  }

  it('tells a self-signed owner CA (not ours) as a root and its LDevID by its policy', () => {
    expect(detectProfile(h.issuers.ldevid)).toBe('root');
  });

  it('falls back on clientAuth for an LDevID without Keyline policies', () => {
    const spec = withoutExt(h.specs.ldevid, OID.certificatePolicies);
    expect(detectProfile(build(spec))).toBe('ldevid');
  });

  it('recognises a device by its hardwareModuleName when policies are missing', () => {
    expect(detectProfile(build(withoutExt(h.specs.device, OID.certificatePolicies)))).toBe('device');
  });

  it('recognises an OCSP signer by id-pkix-ocsp-nocheck alone', () => {
    expect(detectProfile(build(withoutExt(h.specs['ocsp-signer'], OID.extKeyUsage)))).toBe('ocsp-signer');
  });

  it('treats a CA with pathLen other than 0 as a manufacturer CA and keyCertSign without basicConstraints as a CA', () => {
    expect(detectProfile(build(withExt(h.specs['issuing-ca'], X.bc(true, 3))))).toBe('manufacturer-ca');
    expect(detectProfile(build(withoutExt(h.specs['issuing-ca'], OID.basicConstraints)))).toBe('manufacturer-ca');
  });

  it('never throws on an extension that does not decode', () => {
    const cert = build(withExt(h.specs.device, ext(OID.certificatePolicies, der.seq(der.int(1)))));
    expect(detectProfile(cert)).toBe('device');
    const op = build(withExt(h.specs.device, X.policies([KEYLINE_POLICY.operationalV1])));
    expect(detectProfile(op)).toBe('ldevid');
  });
});
