import { describe, expect, it } from 'vitest';
import { isKeylineError } from '../../../src/errors/keyline-error.js';
import { assertLintClean, certificateFromTbs, hasErrors, lint, lintTbs } from '../../../src/policy/lint/lint.js';
import { DEVICE_PROFILE } from '../../../src/policy/profiles/device.js';
import { PROFILE_NAMES, type ProfileName } from '../../../src/policy/profiles/types.js';
import { Tag } from '../../../src/x509/der/tags.js';
import * as der from '../../../src/x509/der/writer.js';
import { OID } from '../../../src/x509/oids.js';
import { X, build, ext, hierarchy, serial, tbsOf, withExt } from '../fixtures/build.js';

const h = hierarchy();

function issuerFor(name: ProfileName) {
  return name === 'root' ? undefined : h.issuers[name];
}

describe('lint', () => {
  for (const name of PROFILE_NAMES) {
    it(`finds nothing in the conforming ${name} fixture`, () => {
      const cert = build(h.specs[name]);
      expect(lint(cert, name, { issuer: issuerFor(name) })).toEqual([]);
      expect(lint(cert, name)).toEqual([]);
    });
  }

  it('accepts a Profile object as well as a name', () => {
    const cert = build(h.specs.device);
    expect(lint(cert, DEVICE_PROFILE)).toEqual([]);
  });

  it('judges a certificate against the profile asked for, not the one it looks like', () => {
    const device = build(h.specs.device);
    const ids = new Set(lint(device, 'issuing-ca').map((f) => f.id));
    expect(ids).toContain('kecp.key-usage');
    expect(ids).toContain('kecp.extensions-required');
    expect(hasErrors(lint(device, 'issuing-ca'))).toBe(true);
  });

  it('refuses an unknown profile name with ERR_POLICY_UNKNOWN_PROFILE', () => {
    const cert = build(h.specs.device);
    expect(() => lint(cert, 'gateway' as ProfileName)).toThrowError(
      expect.objectContaining({ code: 'ERR_POLICY_UNKNOWN_PROFILE' }),
    );
  });

  it('reports an undecodable extension once and does not throw', () => {
    const cert = build(withExt(h.specs['issuing-ca'], ext(OID.basicConstraints, der.seq(der.bool(false)), true)));
    const findings = lint(cert, 'issuing-ca');
    const value = findings.filter((f) => f.id === 'rfc5280.extension-value');
    expect(value).toHaveLength(1);
    expect(value[0]!.message).toMatch(/basicConstraints does not decode/);
    // Rules that need basicConstraints were skipped rather than reporting "cannot check".
    expect(findings.some((f) => f.message.startsWith('cannot check'))).toBe(false);
  });

  it('orders findings by rule and carries id, severity, message and clause', () => {
    const cert = build({ ...withExt(h.specs.device, X.ku(['digitalSignature'], false)), serial: Uint8Array.of(5) });
    const findings = lint(cert, 'device', { issuer: h.issuers.device });
    expect(findings.map((f) => f.id)).toEqual(['kecp.serial-entropy', 'kecp.extension-criticality']);
    expect(findings[0]).toEqual({
      id: 'kecp.serial-entropy',
      severity: 'error',
      message: 'serial number has 1 significant octets; at least 9 are required for 64 bits of entropy',
      clause: 'KECP 4.1',
    });
  });

  it('lets warnings through hasErrors and assertLintClean', () => {
    const cert = build(withExt(h.specs['issuing-ca'], X.ski(Uint8Array.of(1, 2, 3))));
    const findings = lint(cert, 'issuing-ca');
    expect(findings.map((f) => f.severity)).toEqual(['warning']);
    expect(hasErrors(findings)).toBe(false);
    expect(assertLintClean(cert, 'issuing-ca')).toEqual(findings);
  });

  it('assertLintClean throws ERR_POLICY_LINT_FAILED with the error findings', () => {
    const cert = build({ ...h.specs.device, serial: Uint8Array.of(5) });
    try {
      assertLintClean(cert, 'device');
      expect.unreachable();
    } catch (error) {
      expect(isKeylineError(error, 'ERR_POLICY_LINT_FAILED')).toBe(true);
      expect((error as Error).message).toMatch(/kecp\.serial-entropy/);
    }
  });
});

describe('lintTbs', () => {
  it('gives the same findings for a TBS as for the certificate signed over it', () => {
    for (const name of PROFILE_NAMES) {
      for (const spec of [
        h.specs[name],
        { ...h.specs[name], serial: Uint8Array.of(7), notBeforeTag: Tag.GENERALIZED_TIME },
      ]) {
        const signed = build(spec);
        expect(lintTbs(tbsOf(spec), name, { issuer: issuerFor(name) })).toEqual(
          lint(signed, name, { issuer: issuerFor(name) }),
        );
      }
    }
  });

  it('keeps the TBS bytes exactly', () => {
    const tbs = tbsOf(h.specs.device);
    expect(Buffer.from(certificateFromTbs(tbs).tbs)).toEqual(Buffer.from(tbs));
  });

  it('refuses malformed TBS bytes with a KeylineError', () => {
    const tbs = tbsOf(h.specs.device);
    for (const broken of [tbs.subarray(0, tbs.length - 1), Uint8Array.of(0x31, 0), der.seq(der.int(1))]) {
      expect(() => lintTbs(broken, 'device')).toThrowError(expect.objectContaining({ name: 'KeylineError' }));
    }
  });
});

describe('lint speed', () => {
  it('lints thousands of device certificates per second', () => {
    const issuer = h.issuers.device;
    const fresh = () => Array.from({ length: 1000 }, () => build({ ...h.specs.device, serial: serial() }));
    let best = 0;
    for (let round = 0; round < 3; round++) {
      // Fresh certificates each round, so every run decodes its extensions as issuance would.
      const certs = fresh();
      const start = process.hrtime.bigint();
      let findings = 0;
      for (const cert of certs) findings += lint(cert, 'device', { issuer }).length;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      expect(findings).toBe(0);
      best = Math.max(best, certs.length / seconds);
    }
    // About 10,000/s measured on one core (most of it decoding the extensions); the bound leaves
    // room for slow CI machines.
    expect(best).toBeGreaterThan(2000);
  });
});
