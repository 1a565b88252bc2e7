import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../../src/policy/profiles/index.js';
import { PROFILE_NAMES, isProfileName } from '../../../src/policy/profiles/types.js';
import { OID } from '../../../src/x509/oids.js';

describe('PROFILES', () => {
  it('holds the six profiles of KECP 5 under their names', () => {
    expect(Object.keys(PROFILES).sort()).toEqual([...PROFILE_NAMES].sort());
    for (const name of PROFILE_NAMES) expect(PROFILES[name].name).toBe(name);
    expect(PROFILE_NAMES.map((n) => PROFILES[n].clause)).toEqual([
      'KECP 5.1',
      'KECP 5.2',
      'KECP 5.3',
      'KECP 5.4',
      'KECP 5.5',
      'KECP 5.6',
    ]);
  });

  it('isProfileName accepts exactly the profile names', () => {
    for (const name of PROFILE_NAMES) expect(isProfileName(name)).toBe(true);
    for (const other of ['auto', 'Root', 'ca', '']) expect(isProfileName(other)).toBe(false);
  });

  it('gives every CA critical basicConstraints and keyUsage with keyCertSign, and SKI (RFC 5280 4.2.1.2, 4.2.1.9)', () => {
    for (const p of Object.values(PROFILES).filter((p) => p.ca)) {
      expect(p.extensions[OID.basicConstraints]).toEqual({ presence: 'required', critical: true });
      expect(p.extensions[OID.keyUsage]).toEqual({ presence: 'required', critical: true });
      expect(p.extensions[OID.subjectKeyIdentifier]?.presence).toBe('required');
      expect(p.keyUsage.required).toContain('keyCertSign');
      expect(p.extensions[OID.extKeyUsage]).toBeUndefined();
    }
  });

  it('requires authorityKeyIdentifier everywhere but the self-signed root (RFC 5280 4.2.1.1)', () => {
    for (const p of Object.values(PROFILES)) {
      expect(p.extensions[OID.authorityKeyIdentifier]?.presence).toBe(p.selfSigned ? 'optional' : 'required');
      expect(p.extensions[OID.authorityKeyIdentifier]?.critical).toBe(false);
    }
  });

  it('never lets keyCertSign into an end entity, nor a CA-only extension', () => {
    for (const p of Object.values(PROFILES).filter((p) => !p.ca)) {
      expect([...p.keyUsage.required, ...p.keyUsage.optional]).not.toContain('keyCertSign');
      expect(p.extensions[OID.nameConstraints]).toBeUndefined();
      expect(p.pathLen).toBeUndefined();
    }
  });

  it('matches the validity limits of KECP 4.4', () => {
    expect(PROFILES.root.validity).toEqual({ maxYears: 25, allowNoExpiration: false });
    expect(PROFILES['manufacturer-ca'].validity.maxYears).toBe(20);
    expect(PROFILES['issuing-ca'].validity.maxYears).toBe(15);
    expect(PROFILES.device.validity).toEqual({ maxYears: 25, allowNoExpiration: true });
    expect(PROFILES.ldevid.validity).toEqual({ maxDays: 397, allowNoExpiration: false });
    expect(PROFILES['ocsp-signer'].validity).toEqual({ maxDays: 90, allowNoExpiration: false });
  });

  it('pins the hierarchy: root no pathLen, manufacturer CA 1, issuing CA 0', () => {
    expect(PROFILES.root.pathLen).toBe('absent');
    expect(PROFILES['manufacturer-ca'].pathLen).toBe(1);
    expect(PROFILES['issuing-ca'].pathLen).toBe(0);
  });

  it('fixes the device subject order over exactly its allowed attributes', () => {
    const { required, optional, order } = PROFILES.device.subject;
    expect([...(order ?? [])].sort()).toEqual([...required, ...optional].sort());
  });
});
